package io.reizi.runtime;

import io.reizi.runtime.api.AppContext;
import io.reizi.runtime.api.ReiziApp;
import java.io.IOException;
import java.net.MalformedURLException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A `jar` release in its own {@link AppClassLoader}. Every call into the app (its class initialisation included) runs
 * on the app's own thread with a time limit, so an app that hangs cannot hang the agent; the app's threads live in
 * its own thread group, whose uncaught exceptions are the app's, not the agent's. After a stop the threads still
 * alive past {@code stop-grace} are reported as {@link Lingering}. The processes it starts are members of the
 * runtime's {@link ProcessTree} (its calls to start them are rewritten) and end when it stops.
 */
final class JarApp implements HostedApp {
    private static final Duration CALL_LIMIT = Duration.ofSeconds(5);
    private final AppRelease release;
    private final AppClassLoader loader;
    private final AppThreads group;
    private final ExecutorService thread;
    private final Path stateDir;
    private final Duration grace;
    private final Consumer<Lingering> onLingering;
    private final ProcessTree processes;
    private final Consumer<String> log;
    private ReiziApp app;
    private volatile String exitAttempt;

    private JarApp(AppRelease release, Path stateDir, Duration grace, ProcessTree processes,
            Consumer<Lingering> onLingering, Consumer<String> log) throws MalformedURLException {
        this.release = release;
        this.stateDir = stateDir;
        this.grace = grace;
        this.onLingering = onLingering;
        this.processes = processes;
        this.log = log;
        this.loader = new AppClassLoader("app-v" + release.ver(), release.image().toUri().toURL(), this::exitAttempted,
                processes);
        this.group = new AppThreads("app-v" + release.ver());
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(group, r, "app-" + release.ver());
            t.setDaemon(true);
            t.setContextClassLoader(loader);
            return t;
        });
    }

    /** Loads and instantiates the entry class on the app's thread; the running release is not touched. */
    static JarApp prepare(AppRelease release, Path stateDir, Duration grace, ProcessTree processes,
            Consumer<Lingering> onLingering, Consumer<String> log) throws AppFailure {
        String entry = release.entry().orElseThrow(() -> AppFailure.malformed("a jar release needs an entry class"));
        Optional<String> bad = AppEntry.problem(AppRelease.AppKind.JAR, entry);
        if (bad.isPresent()) throw AppFailure.malformed(bad.get());
        try (java.util.zip.ZipFile archive = new java.util.zip.ZipFile(release.image().toFile())) {
            archive.size(); // opening it reads the central directory: a file that is no jar fails here
        } catch (IOException e) {
            throw AppFailure.malformed(release.name() + " is not a jar", e);
        }
        JarApp jar;
        try {
            jar = new JarApp(release, stateDir, grace, processes, onLingering, log);
        } catch (IOException e) {
            throw new AppFailure("cannot open " + release.image(), e);
        }
        try {
            jar.app = jar.call(() -> jar.instantiate(entry), CALL_LIMIT);
            return jar;
        } catch (ExecutionException e) {
            jar.stop();
            Throwable cause = e.getCause();
            if (cause instanceof AppFailure f) throw f;
            if (cause instanceof ClassNotFoundException || cause instanceof NoClassDefFoundError) {
                throw new AppFailure("entry class " + entry + " not found in the release: " + cause.getMessage());
            }
            throw new AppFailure("cannot instantiate " + entry, cause);
        } catch (TimeoutException e) {
            jar.stop();
            throw new AppFailure("entry class " + entry + " did not load within " + CALL_LIMIT.toMillis() + " ms");
        }
    }

    private ReiziApp instantiate(String entry) throws Exception {
        Class<?> type = Class.forName(entry, true, loader);
        if (!ReiziApp.class.isAssignableFrom(type)) {
            throw new AppFailure("entry " + entry + " does not implement " + ReiziApp.class.getName());
        }
        ReiziApp instance = (ReiziApp) type.getDeclaredConstructor().newInstance();
        log.accept(release.name() + ": " + loader.containmentFigures());
        return instance;
    }

    @Override
    public AppRelease release() {
        return release;
    }

    @Override
    public void start(Optional<byte[]> previousState) throws AppFailure {
        AppContext context = new Context(release.ver(), previousState, stateDir, "[" + release.name() + "] ", log);
        try {
            call(() -> {
                app.start(context);
                return null;
            }, CALL_LIMIT);
        } catch (ExecutionException e) {
            throw new AppFailure(release.name() + " failed to start", e.getCause());
        } catch (TimeoutException e) {
            throw new AppFailure(release.name() + " did not start within " + CALL_LIMIT.toMillis() + " ms");
        }
        if (exitAttempt != null) throw new AppFailure(release.name() + " called " + exitAttempt + " while starting");
    }

    /** What the app is given: values and a log, no reference to the runtime's own objects. */
    private record Context(long version, Optional<byte[]> previousState, Path stateDir, String prefix,
            Consumer<String> sink) implements AppContext {
        @Override
        public void log(String line) {
            sink.accept(prefix + line);
        }
    }

    @Override
    public byte[] snapshot() {
        try {
            return call(app::snapshot, CALL_LIMIT);
        } catch (ExecutionException | TimeoutException e) {
            log.accept(release.name() + " gave no snapshot: " + e);
            return null;
        }
    }

    /**
     * Asks the app to stop, then interrupts its threads; whatever is alive when {@code stop-grace} is over is
     * reported (log and {@link Lingering}) and abandoned with the loader.
     */
    @Override
    public void stop() {
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            if (app != null) {
                call(() -> {
                    app.stop();
                    return null;
                }, grace);
            }
        } catch (ExecutionException e) {
            log.accept(release.name() + " failed while stopping: " + e.getCause());
        } catch (TimeoutException e) {
            log.accept(release.name() + " did not stop within " + grace.toMillis() + " ms");
        } finally {
            thread.shutdownNow();
            List<String> left = awaitThreadsEnd(deadline);
            if (!left.isEmpty()) {
                Lingering lingering = new Lingering(release.name(), left);
                log.accept(lingering.detail() + "; they are abandoned until the agent restarts");
                onLingering.accept(lingering);
            }
            int killed = processes.end(grace); // the processes the app started, and theirs
            if (killed > 0) log.accept(release.name() + ": " + killed + " process(es) it started ignored SIGTERM; sent SIGKILL");
            try {
                loader.close();
            } catch (IOException ignored) {
                // nothing more to release then
            }
        }
    }

    private List<String> awaitThreadsEnd(long deadline) {
        List<Thread> alive = appThreads();
        alive.forEach(Thread::interrupt);
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            alive = appThreads();
        }
        return alive.stream().map(Thread::getName).toList();
    }

    /** The app's platform threads: in its thread group, or carrying its loader as their context (one it gave away). */
    private List<Thread> appThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t != Thread.currentThread()
                        && (t.getThreadGroup() == group || t.getContextClassLoader() == loader))
                .toList();
    }

    @Override
    public boolean awaitHealthy(Duration window) throws InterruptedException {
        long deadline = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < deadline && exitAttempt == null) {
            try {
                if (Boolean.TRUE.equals(call(app::health, CALL_LIMIT)) && exitAttempt == null) return true;
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

    private void exitAttempted(String call) {
        if (exitAttempt == null) exitAttempt = call;
        log.accept(release.name() + " called " + call + ": refused, the release is failed");
    }

    private <T> T call(Callable<T> task, Duration limit) throws ExecutionException, TimeoutException {
        Future<T> f;
        try {
            f = thread.submit(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new ExecutionException("the app's thread is gone", e);
        }
        try {
            return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutionException(e);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw e;
        }
    }

    static boolean inAppGroup(Thread thread) {
        return thread.getThreadGroup() instanceof AppThreads;
    }

    /** The app's threads: what escapes them is the app's failure, logged, never the agent's uncaught handler. */
    private final class AppThreads extends ThreadGroup {
        AppThreads(String name) {
            super(name);
        }

        @Override
        public void uncaughtException(Thread t, Throwable e) {
            if (e instanceof AppGuard.ExitRefused) return; // reported when the call was refused
            log.accept(release.name() + ": thread " + t.getName() + " ended by " + e);
        }
    }
}
