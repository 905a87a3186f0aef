package io.reizi.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The light runtime: runs the active bank's release and hot-swaps it. A swap prepares the new release
 * fully while the old one keeps running, then stops the old and starts the new; that gap is the
 * interruption window. The old release's state (its snapshot, and a copy of the state folder) is kept
 * until the new one is committed, so a rollback can start the old one again where it was.
 */
public final class AppRuntime implements AutoCloseable {
    /** What a swap measured. */
    public record Swap(double interruptionMs) {}

    private final Path stateDir;
    private final Path rollbackStateDir;
    private final Duration stopGrace;
    private final UnpackLimits limits;
    private final ProcessTree tree;
    private final Consumer<String> log;
    private HostedApp current;
    private volatile Optional<Lingering> lingering = Optional.empty();
    private Optional<byte[]> handedOver = Optional.empty();

    /** A runtime with the unpack limits of the agent's default {@code max-image-size}. */
    public AppRuntime(Path stateDir, Duration stopGrace, Consumer<String> log) throws IOException {
        this(stateDir, stopGrace, UnpackLimits.defaults(), log);
    }

    /**
     * Ends first whatever app processes a previous run of the agent left behind (it was killed with -9 while an
     * exec release ran), so that starting the release again never makes a second copy.
     */
    public AppRuntime(Path stateDir, Duration stopGrace, UnpackLimits limits, Consumer<String> log) throws IOException {
        this.stateDir = Files.createDirectories(stateDir).toAbsolutePath();
        this.rollbackStateDir = this.stateDir.resolveSibling(this.stateDir.getFileName() + ".rollback");
        this.stopGrace = stopGrace;
        this.limits = limits;
        this.log = log;
        this.tree = new ProcessTree(treeTag(this.stateDir), this.stateDir.resolveSibling(this.stateDir.getFileName()
                + ".processes"), log);
        tree.endLeftovers(stopGrace);
        // A bank's image path is reused by later releases; the JDK's jar: URL cache would keep serving an
        // app the resources of the release that was there before (getResourceAsStream goes through it).
        java.net.URLConnection.setDefaultUseCaches("jar", false);
    }

    /** Starts a release with nothing running before it (agent start, or a trial resumed after a restart). */
    public synchronized void start(AppRelease release, Optional<byte[]> previousState) throws AppFailure {
        stopCurrent();
        HostedApp app = prepare(release);
        startOrRelease(app, previousState);
        current = app;
        log.accept("running " + release.name());
    }

    /** Prepares {@code next}, then stops the running release and starts {@code next} with its snapshot. */
    public synchronized Swap swapTo(AppRelease next) throws AppFailure {
        HostedApp prepared = prepare(next);
        try {
            Bundle.copyTree(stateDir, rollbackStateDir);
        } catch (IOException e) {
            prepared.stop();
            throw new AppFailure("cannot keep a copy of the state folder for rollback", e);
        }
        long t0 = System.nanoTime();
        byte[] snapshot = current == null ? null : current.snapshot();
        handedOver = Optional.ofNullable(snapshot);
        stopCurrent();
        startOrRelease(prepared, handedOver);
        current = prepared;
        double ms = (System.nanoTime() - t0) / 1e6;
        log.accept("swapped to " + next.name() + " in " + String.format(java.util.Locale.ROOT, "%.2f", ms) + " ms");
        return new Swap(ms);
    }

    /** True when the running release proves healthy within the window (the trial). */
    public boolean awaitHealthy(Duration window) throws InterruptedException {
        HostedApp app;
        synchronized (this) {
            app = current;
        }
        return app != null && app.awaitHealthy(window);
    }

    /** Stops the release on trial and starts {@code previous} again with the state it handed over. */
    public synchronized void rollBackTo(Optional<AppRelease> previous) throws AppFailure {
        stopCurrent();
        try {
            if (Files.exists(rollbackStateDir)) Bundle.copyTree(rollbackStateDir, stateDir);
        } catch (IOException e) {
            log.accept("cannot restore the state folder: " + e.getMessage());
        }
        if (previous.isPresent()) start(previous.get(), handedOver);
        handedOver = Optional.empty();
    }

    /** The new release stays: forget what a rollback would have needed. */
    public synchronized void commit() throws IOException {
        handedOver = Optional.empty();
        Bundle.deleteTree(rollbackStateDir);
    }

    /**
     * Threads a stopped jar release left running past {@code stop-grace} (the latest such report), empty when none:
     * they cannot be ended inside the JVM, so the agent should restart in an orderly way (the release now active
     * starts again) and put {@link Lingering#detail()} in the status that reports the swap or rollback.
     */
    public Optional<Lingering> lingering() {
        return lingering;
    }

    /**
     * True for a thread a hosted jar started (its platform threads are in the app's thread group; its virtual threads,
     * which the JDK keeps in one group of its own, carry the app's loader as their context). The agent's default
     * uncaught-exception handler should log such a thread's exception as the app's failure, not panic.
     */
    public static boolean isAppThread(Thread thread) {
        return thread.getContextClassLoader() instanceof AppClassLoader || JarApp.inAppGroup(thread);
    }

    public synchronized Optional<AppRelease> running() {
        return Optional.ofNullable(current).map(HostedApp::release);
    }

    synchronized HostedApp current() {
        return current;
    }

    /** The tag of this runtime's app processes: one per state folder, the same in every run of the agent. */
    static String treeTag(Path stateDir) {
        // Only tells apart the runtimes of one machine (their state folders differ): a 64-bit string hash will do, and
        // costs no MessageDigest start-up on the agent's way to READY.
        long h = 1125899906842597L;
        for (int i = 0; i < stateDir.toString().length(); i++) h = 31 * h + stateDir.toString().charAt(i);
        return Long.toHexString(h);
    }

    /** Anything unchecked from preparing a release (a hostile bundle, a broken jar) is an {@link AppFailure}. */
    private HostedApp prepare(AppRelease release) throws AppFailure {
        try {
            return switch (release.kind()) {
                case JAR -> JarApp.prepare(release, stateDir, stopGrace, tree, l -> lingering = Optional.of(l), log);
                case EXEC -> ExecApp.prepare(release, stateDir, stopGrace, limits, tree, log);
            };
        } catch (RuntimeException e) {
            throw new AppFailure("cannot prepare " + release.name(), e);
        }
    }

    /** A release that fails to start is stopped at once, so that nothing of it (threads, loader, processes) lingers. */
    private static void startOrRelease(HostedApp app, Optional<byte[]> state) throws AppFailure {
        try {
            app.start(state);
        } catch (AppFailure | RuntimeException e) {
            app.stop();
            throw e instanceof AppFailure f ? f : new AppFailure("cannot start " + app.release().name(), e);
        }
    }

    private void stopCurrent() {
        if (current != null) {
            current.stop();
            current = null;
        }
    }

    @Override
    public synchronized void close() {
        stopCurrent();
    }
}
