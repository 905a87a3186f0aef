package io.reizi.runtime;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An `exec` release as a supervised process tree: output into the agent's log with a prefix, restarted with
 * backoff when it crashes, and on stop (or before a restart) its whole {@link ProcessTree} gets SIGTERM, then
 * SIGKILL after the grace period — daemons it started included.
 */
final class ExecApp implements HostedApp {
    private static final long MIN_BACKOFF_MS = 200;
    private static final long MAX_BACKOFF_MS = 30_000;
    /** How often the supervisor takes in what the tree started or orphaned. */
    private static final long TRACK_MS = 1000;
    private final AppRelease release;
    private final Bundle.Layout layout;
    private final Path stateDir;
    private final Duration grace;
    private final ProcessTree tree;
    private final Consumer<String> log;
    private final Object lock = new Object();
    private Process process;
    private Thread supervisor;
    private volatile boolean stopping;
    private volatile boolean sawReady;
    private volatile int crashes;

    private ExecApp(AppRelease release, Bundle.Layout layout, Path stateDir, Duration grace, ProcessTree tree,
            Consumer<String> log) {
        this.release = release;
        this.layout = layout;
        this.stateDir = stateDir;
        this.grace = grace;
        this.tree = tree;
        this.log = log;
    }

    /** Unpacks the release into its bank; the running release is not touched. */
    static ExecApp prepare(AppRelease release, Path stateDir, Duration grace, UnpackLimits limits, ProcessTree tree,
            Consumer<String> log) throws AppFailure {
        return new ExecApp(release, Bundle.unpack(release, limits), stateDir, grace, tree, log);
    }

    @Override
    public AppRelease release() {
        return release;
    }

    @Override
    public void start(Optional<byte[]> previousState) throws AppFailure {
        synchronized (lock) {
            launch();
        }
        supervisor = Thread.ofPlatform().daemon().name("supervise-" + release.ver()).start(this::supervise);
    }

    private void launch() throws AppFailure {
        ProcessBuilder pb = new ProcessBuilder(layout.program().toString())
                .directory(layout.dir().toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("REIZI_VER", Long.toString(release.ver()));
        pb.environment().put("REIZI_STATE_DIR", stateDir.toString());
        tree.tag(pb);
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new AppFailure("cannot start " + layout.program(), e);
        }
        Process p = process;
        tree.started(p);
        Thread.ofPlatform().daemon().name("output-" + release.ver()).start(() -> pump(p));
    }

    private void pump(Process p) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.strip().equals("READY")) sawReady = true;
                log.accept("[" + release.name() + "] " + line);
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    private void supervise() {
        long backoff = MIN_BACKOFF_MS;
        while (!stopping) {
            Process p;
            synchronized (lock) {
                p = process;
            }
            long startedAt = System.nanoTime();
            int code;
            try {
                while (!p.waitFor(TRACK_MS, TimeUnit.MILLISECONDS)) tree.refresh();
                code = p.exitValue();
            } catch (InterruptedException e) {
                return;
            }
            if (stopping) return;
            crashes++;
            // What the crashed process left (daemons, workers) goes too: a restart must not add a second copy.
            tree.end(grace);
            if (System.nanoTime() - startedAt > TimeUnit.MILLISECONDS.toNanos(MAX_BACKOFF_MS)) backoff = MIN_BACKOFF_MS;
            log.accept(release.name() + " exited with " + code + "; restarting in " + backoff + " ms");
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            synchronized (lock) {
                if (stopping) return;
                try {
                    launch();
                } catch (AppFailure e) {
                    log.accept(e.getMessage());
                }
            }
        }
    }

    @Override
    public byte[] snapshot() {
        return null; // an exec app keeps its state in REIZI_STATE_DIR
    }

    @Override
    public void stop() {
        stopping = true;
        Process p;
        synchronized (lock) {
            p = process;
        }
        if (supervisor != null) supervisor.interrupt();
        if (p == null) return;
        // Signals go through process handles: Process.destroy() would also close the pipes, and the app's last
        // words during a graceful stop would kill it with SIGPIPE.
        int killed = tree.end(grace);
        if (killed > 0) {
            log.accept(release.name() + ": " + killed + " process(es) ignored SIGTERM for " + grace.toMillis()
                    + " ms; sent SIGKILL");
        }
    }

    @Override
    public boolean awaitHealthy(Duration window) throws InterruptedException {
        long deadline = System.nanoTime() + window.toNanos();
        switch (layout.health()) {
            case Bundle.Health.Alive alive -> {
                while (System.nanoTime() < deadline) {
                    if (crashes > 0) return false;
                    Thread.sleep(20);
                }
                return crashes == 0 && isAlive();
            }
            case Bundle.Health.ReadyLine ready -> {
                while (System.nanoTime() < deadline) {
                    if (sawReady && crashes == 0) return true;
                    Thread.sleep(10);
                }
                return false;
            }
            case Bundle.Health.Command command -> {
                while (System.nanoTime() < deadline) {
                    if (crashes == 0 && runHealthCommand(command.command(), deadline)) return true;
                    Thread.sleep(200);
                }
                return false;
            }
        }
    }

    private boolean runHealthCommand(String command, long deadline) throws InterruptedException {
        try {
            ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).directory(layout.dir().toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            tree.tag(pb); // what a health command leaves behind ends with the release
            Process p = pb.start();
            tree.started(p);
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            if (!p.waitFor(left, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            log.accept(release.name() + " health command could not start: " + e.getMessage());
            return false;
        }
    }

    boolean isAlive() {
        synchronized (lock) {
            return process != null && process.isAlive();
        }
    }

    int crashes() {
        return crashes;
    }

    long pid() {
        synchronized (lock) {
            return process.pid();
        }
    }
}
