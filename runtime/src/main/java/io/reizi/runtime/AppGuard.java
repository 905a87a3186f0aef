package io.reizi.runtime;

import java.io.File;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.StringTokenizer;

/**
 * Where the calls {@link CallSiteRewriter} rewrites in a hosted jar land. Public only because the rewritten app code
 * links to it (the one class outside the api package an app's loader can see); an app gains nothing by calling it:
 * each method is the contained version of the call it replaces.
 */
public final class AppGuard {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private AppGuard() {}

    /** Thrown where an app called System.exit or Runtime.halt: an Error, so that {@code catch (Exception)} lets it through. */
    public static final class ExitRefused extends Error {
        ExitRefused(String call) {
            super(call + " is not allowed in a hosted app: the agent owns the process; the release is failed");
        }
    }

    public static void systemExit(int status) {
        refuseExit("System.exit(" + status + ")", WALKER.getCallerClass());
    }

    public static void runtimeExit(Runtime runtime, int status) {
        refuseExit("Runtime.exit(" + status + ")", WALKER.getCallerClass());
    }

    public static void runtimeHalt(Runtime runtime, int status) {
        refuseExit("Runtime.halt(" + status + ")", WALKER.getCallerClass());
    }

    /** The system class loader as an app sees it: its own loader (the platform, the api, its jar). */
    public static ClassLoader systemClassLoader() {
        return appLoaderOf(WALKER.getCallerClass());
    }

    public static ClassLoader classLoaderOf(Class<?> type) {
        return visible(type.getClassLoader(), WALKER.getCallerClass());
    }

    public static ClassLoader contextClassLoaderOf(Thread thread) {
        return visible(thread.getContextClassLoader(), WALKER.getCallerClass());
    }

    public static ClassLoader moduleClassLoaderOf(Module module) {
        return visible(module.getClassLoader(), WALKER.getCallerClass());
    }

    public static ClassLoader domainClassLoaderOf(ProtectionDomain domain) {
        return visible(domain.getClassLoader(), WALKER.getCallerClass());
    }

    public static MethodHandle findStatic(MethodHandles.Lookup lookup, Class<?> owner, String name, MethodType type)
            throws NoSuchMethodException, IllegalAccessException {
        vet(owner, name, WALKER.getCallerClass());
        return lookup.findStatic(owner, name, type);
    }

    public static MethodHandle findVirtual(MethodHandles.Lookup lookup, Class<?> owner, String name, MethodType type)
            throws NoSuchMethodException, IllegalAccessException {
        vet(owner, name, WALKER.getCallerClass());
        return lookup.findVirtual(owner, name, type);
    }

    public static MethodHandle unreflect(MethodHandles.Lookup lookup, Method method) throws IllegalAccessException {
        vet(method.getDeclaringClass(), method.getName(), WALKER.getCallerClass());
        return lookup.unreflect(method);
    }

    /** Starts the process as a member of the release's {@link ProcessTree}: it ends with the release. */
    public static Process startProcess(ProcessBuilder builder) throws IOException {
        return start(builder, WALKER.getCallerClass());
    }

    public static List<Process> startPipeline(List<ProcessBuilder> builders) throws IOException {
        ProcessTree tree = treeOf(WALKER.getCallerClass());
        if (tree != null) builders.forEach(tree::tag);
        List<Process> started = ProcessBuilder.startPipeline(builders);
        if (tree != null) started.forEach(tree::started);
        return started;
    }

    public static Process exec(Runtime runtime, String command) throws IOException {
        return exec(tokens(command), null, null, WALKER.getCallerClass());
    }

    public static Process exec(Runtime runtime, String[] command) throws IOException {
        return exec(command, null, null, WALKER.getCallerClass());
    }

    public static Process exec(Runtime runtime, String command, String[] environment) throws IOException {
        return exec(tokens(command), environment, null, WALKER.getCallerClass());
    }

    public static Process exec(Runtime runtime, String[] command, String[] environment) throws IOException {
        return exec(command, environment, null, WALKER.getCallerClass());
    }

    public static Process exec(Runtime runtime, String command, String[] environment, File dir) throws IOException {
        return exec(tokens(command), environment, dir, WALKER.getCallerClass());
    }

    public static Process exec(Runtime runtime, String[] command, String[] environment, File dir) throws IOException {
        return exec(command, environment, dir, WALKER.getCallerClass());
    }

    /** As {@code Runtime.exec} does it: split at white space. */
    private static String[] tokens(String command) {
        if (command.isEmpty()) throw new IllegalArgumentException("Empty command");
        StringTokenizer t = new StringTokenizer(command);
        String[] tokens = new String[t.countTokens()];
        for (int i = 0; t.hasMoreTokens(); i++) tokens[i] = t.nextToken();
        return tokens;
    }

    /** As {@code Runtime.exec} does it: {@code environment} of "name=value" replaces the inherited one when given. */
    private static Process exec(String[] command, String[] environment, File dir, Class<?> caller) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir);
        if (environment != null) {
            builder.environment().clear();
            for (String variable : environment) {
                int eq = variable.indexOf('=');
                if (eq > 0) builder.environment().put(variable.substring(0, eq), variable.substring(eq + 1));
            }
        }
        return start(builder, caller);
    }

    private static Process start(ProcessBuilder builder, Class<?> caller) throws IOException {
        ProcessTree tree = treeOf(caller);
        if (tree == null) return builder.start();
        tree.tag(builder);
        Process started = builder.start();
        tree.started(started);
        return started;
    }

    private static ProcessTree treeOf(Class<?> caller) {
        return caller.getClassLoader() instanceof AppClassLoader app ? app.processTree() : null;
    }

    /** Called before each {@code Method.invoke} in app code: the guarded methods cannot be reached that way either. */
    public static void vetReflective(Method method) {
        vet(method.getDeclaringClass(), method.getName(), WALKER.getCallerClass());
    }

    private static void vet(Class<?> owner, String name, Class<?> caller) {
        // Everything rewritten is refused through reflection too: a process started that way would not be tracked.
        String target = CallSiteRewriter.guardedName(owner, name).orElse(null);
        if (target == null) return;
        if (name.equals("exit") || name.equals("halt")) refuseExit(target + " (reflective)", caller);
        throw new UnsupportedOperationException(target + " through reflection is not available to a hosted app");
    }

    private static void refuseExit(String call, Class<?> caller) {
        if (caller.getClassLoader() instanceof AppClassLoader app) app.exitAttempted(call);
        throw new ExitRefused(call);
    }

    /** A loader that can see the agent's classes is replaced by the calling app's own loader. */
    private static ClassLoader visible(ClassLoader loader, Class<?> caller) {
        if (loader == null || loader == ClassLoader.getPlatformClassLoader() || loader == ApiOnlyClassLoader.INSTANCE
                || loader instanceof AppClassLoader) {
            return loader;
        }
        return appLoaderOf(caller);
    }

    private static ClassLoader appLoaderOf(Class<?> caller) {
        ClassLoader l = caller.getClassLoader();
        return l instanceof AppClassLoader ? l : ApiOnlyClassLoader.INSTANCE;
    }
}
