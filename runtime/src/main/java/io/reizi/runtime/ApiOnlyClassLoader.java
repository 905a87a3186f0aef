package io.reizi.runtime;

import io.reizi.runtime.api.ReiziApp;

/**
 * The parent of every app's class loader: the Java platform plus the {@code io.reizi.runtime.api} package and
 * {@link AppGuard} (which an app's rewritten calls link to), nothing else, so an app cannot see (or pin) the agent's
 * classes and libraries by name.
 */
final class ApiOnlyClassLoader extends ClassLoader {
    static final ApiOnlyClassLoader INSTANCE = new ApiOnlyClassLoader();
    private static final String API = ReiziApp.class.getPackageName() + ".";
    private static final String GUARD = AppGuard.class.getName();

    private ApiOnlyClassLoader() {
        super("reizi-api", ClassLoader.getPlatformClassLoader());
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        if (name.startsWith(API) || name.equals(GUARD)) return ReiziApp.class.getClassLoader().loadClass(name);
        throw new ClassNotFoundException(name);
    }
}
