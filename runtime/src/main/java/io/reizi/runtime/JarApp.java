package io.reizi.runtime;

import io.reizi.runtime.api.AppContext;
import io.reizi.runtime.api.ReiziApp;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A `jar` release in its own class loader. Every call into the app runs on the app's own thread with a
 * time limit, so an app that hangs in {@code start} or {@code stop} cannot hang the agent.
 */
final class JarApp implements HostedApp {
    private static final Duration CALL_LIMIT = Duration.ofSeconds(5);
    private final AppRelease release;
    private final URLClassLoader loader;
    private final ReiziApp app;
    private final ExecutorService thread;
    private final Path stateDir;
    private final Consumer<String> log;

    private JarApp(AppRelease release, URLClassLoader loader, ReiziApp app, Path stateDir, Consumer<String> log) {
        this.release = release;
        this.loader = loader;
        this.app = app;
        this.stateDir = stateDir;
        this.log = log;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "app-" + release.ver());
            t.setDaemon(true);
            t.setContextClassLoader(loader);
            return t;
        });
    }

    /** Loads and instantiates the entry class; the running release is not touched. */
    static JarApp prepare(AppRelease release, Path stateDir, Consumer<String> log) throws AppFailure {
        String entry = release.entry().orElseThrow(() -> new AppFailure("a jar release needs an entry class"));
        URLClassLoader loader;
        try {
            URL url = release.image().toUri().toURL();
            loader = new URLClassLoader("app-v" + release.ver(), new URL[] {url}, ApiOnlyClassLoader.INSTANCE);
        } catch (IOException e) {
            throw new AppFailure("cannot open " + release.image(), e);
        }
        try {
            Class<?> type = Class.forName(entry, true, loader);
            if (!ReiziApp.class.isAssignableFrom(type)) {
                throw new AppFailure("entry " + entry + " does not implement " + ReiziApp.class.getName());
            }
            ReiziApp app = (ReiziApp) type.getDeclaredConstructor().newInstance();
            return new JarApp(release, loader, app, stateDir, log);
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            close(loader);
            throw new AppFailure("entry class " + entry + " not found in the release: " + e.getMessage());
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            close(loader);
            throw new AppFailure("cannot instantiate " + entry, e);
        }
    }

    @Override
    public AppRelease release() {
        return release;
    }

    @Override
    public void start(Optional<byte[]> previousState) throws AppFailure {
        AppContext context = new AppContext() {
            @Override
            public long version() {
                return release.ver();
            }

            @Override
            public Optional<byte[]> previousState() {
                return previousState;
            }

            @Override
            public Path stateDir() {
                return stateDir;
            }

            @Override
            public void log(String line) {
                log.accept("[" + release.name() + "] " + line);
            }
        };
        try {
            call(() -> {
                app.start(context);
                return null;
            });
        } catch (ExecutionException e) {
            throw new AppFailure(release.name() + " failed to start", e.getCause());
        } catch (TimeoutException e) {
            throw new AppFailure(release.name() + " did not start within " + CALL_LIMIT.toMillis() + " ms");
        }
    }

    @Override
    public byte[] snapshot() {
        try {
            return call(app::snapshot);
        } catch (ExecutionException | TimeoutException e) {
            log.accept(release.name() + " gave no snapshot: " + e);
            return null;
        }
    }

    @Override
    public void stop() {
        try {
            call(() -> {
                app.stop();
                return null;
            });
        } catch (ExecutionException e) {
            log.accept(release.name() + " failed while stopping: " + e.getCause());
        } catch (TimeoutException e) {
            // A Java thread cannot be killed: the stuck thread and this loader are abandoned, not reused.
            log.accept(release.name() + " did not stop within " + CALL_LIMIT.toMillis() + " ms; abandoning its thread");
        } finally {
            thread.shutdownNow();
            close(loader);
        }
    }

    @Override
    public boolean awaitHealthy(Duration window) throws InterruptedException {
        long deadline = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(call(app::health))) return true;
            } catch (ExecutionException | TimeoutException e) {
                log.accept(release.name() + " health check failed: " + e);
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** The loader, so a test can check that it becomes unreachable once the app is gone. */
    ClassLoader loader() {
        return loader;
    }

    private <T> T call(java.util.concurrent.Callable<T> task) throws ExecutionException, TimeoutException {
        Future<T> f = thread.submit(task);
        try {
            return f.get(CALL_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutionException(e);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw e;
        }
    }

    private static void close(URLClassLoader loader) {
        try {
            loader.close();
        } catch (IOException ignored) {
            // nothing to release then
        }
    }
}
