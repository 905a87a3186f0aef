package io.reizi.agent;

import io.reizi.agent.mqtt.LinkControl;
import io.reizi.ota.bank.DiskActivity;
import io.reizi.ota.wire.Status;
import io.reizi.watchdog.CrashLoop;
import io.reizi.watchdog.LinuxWatchdog;
import io.reizi.watchdog.NetworkHealth;
import io.reizi.watchdog.RecordingWatchdog;
import io.reizi.watchdog.SerialWatchdog;
import io.reizi.watchdog.SystemdNotify;
import io.reizi.watchdog.Watchdog;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keeps the watchdogs fed from the moment they are opened (before and while connecting: the broker is never
 * waited for) and handles panics. A panic (an uncaught exception or Error in any agent thread, a
 * data-dir I/O failure, a stuck pipeline, a lost serial watchdog) reports {@code recovering}, extends every
 * watchdog to the extended timeout and tries to recover within the recovery window: reconnect MQTT and take
 * the transfer up again from disk. Recovered: timeouts back to normal. Not recovered, or a link too poor to
 * confirm it: a graceful exit with {@link #EXIT_PANIC}, the state synced and the watchdogs left armed.
 */
public final class Guardian implements Updater.Guard, AutoCloseable {
    /** The exit code of a graceful panic exit; the systemd unit restarts on it. */
    public static final int EXIT_PANIC = 75;
    /** Start-up (state loaded, active release started) taking longer than this is a hang: a panic, not kicks forever. */
    private static final Duration STARTUP_LIMIT = Duration.ofSeconds(30);

    private final AgentConfig config;
    private final WatchdogSettings dogSettings;
    private final PanicSettings policy;
    private final List<Watchdog> watchdogs;
    private final Optional<SystemdNotify> systemd;
    private final NetworkHealth network = new NetworkHealth(NetworkHealth.Limits.defaults());
    private final CrashLoop crashLoop;
    private final ScheduledExecutorService kicker;
    private final ExecutorService responder;
    /** Runs the steps the responder waits for with a deadline (they may hang: the panic's own cause). */
    private final ExecutorService worker = Executors.newVirtualThreadPerTaskExecutor();
    private final long openedAt = System.nanoTime();
    private volatile long lastBeat = System.nanoTime();
    /** Set at READY: from then on the transfer timer must beat. */
    private volatile boolean watchingPipeline;
    private volatile boolean recovering;
    private volatile boolean exiting;
    /** An orderly stop is under way: the timer has stopped beating on purpose. */
    private volatile boolean stopping;
    private volatile LinkControl link;
    private volatile Updater updater;

    private Guardian(AgentConfig config, List<Watchdog> watchdogs, Optional<SystemdNotify> systemd) {
        this.config = config;
        this.dogSettings = config.watchdog();
        this.policy = config.panic();
        this.watchdogs = watchdogs;
        this.systemd = systemd;
        this.crashLoop = new CrashLoop(config.dataDir().resolve("panic-exits"), policy.crashLoopExits(),
                policy.crashLoopWindow());
        this.kicker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("reizi-watchdog").daemon().factory());
        this.responder = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("reizi-panic").daemon().factory());
    }

    /** Opens every configured watchdog: systemd's when it asks for pings, hardware and serial from the config. */
    public static Guardian open(AgentConfig config) throws IOException {
        WatchdogSettings s = config.watchdog();
        List<Watchdog> dogs = new ArrayList<>();
        Optional<SystemdNotify> systemd = SystemdNotify.fromEnvironment();
        systemd.filter(SystemdNotify::watchdogEnabled).ifPresent(dogs::add);
        if (s.device().isPresent() && s.device().get().startsWith(RecordingWatchdog.PREFIX)) {
            dogs.add(RecordingWatchdog.open(java.nio.file.Path.of(s.device().get().substring(RecordingWatchdog.PREFIX.length())),
                    s.normalTimeout()));
        } else if (s.device().isPresent()) {
            dogs.add(LinuxWatchdog.open(s.device().get(), s.normalTimeout(), s.preTimeout()));
        }
        if (s.serialPort().isPresent()) dogs.add(SerialWatchdog.open(s.serialPort().get(), s.serialBaud(), s.normalTimeout()));
        for (Watchdog w : dogs) Log.info("watchdog " + w.name() + " armed, timeout " + w.timeout().toMillis() + " ms");
        Guardian g = new Guardian(config, dogs, systemd);
        g.startKicking();
        return g;
    }

    /** Kicks from the first second: nothing that follows (loading state, connecting) may starve a watchdog. */
    private void startKicking() {
        long period = watchdogs.stream().mapToLong(w -> normalTimeout(w).toMillis() / 4).min().orElse(250);
        kicker.scheduleAtFixedRate(this::cycle, 0, Math.max(50, Math.min(period, 250)), TimeUnit.MILLISECONDS);
    }

    public void attach(LinkControl link, Updater updater) {
        this.link = link;
        this.updater = updater;
    }

    public NetworkHealth network() {
        return network;
    }

    public CrashLoop crashLoop() {
        return crashLoop;
    }

    /**
     * A step that may take long, at start-up (connecting) or after the stop (the JVM writing its AOT cache):
     * tell systemd not to give up on us.
     */
    public void extendTimeout(Duration more) {
        systemd.ifPresent(n -> quietly(() -> n.extendTimeout(more)));
    }

    /**
     * State loaded, the active release running, the timer going: READY=1 (never gated on the broker: an update
     * agent must not stop a board from booting), and the pipeline's heartbeat is watched from now on.
     */
    public void ready(String status) {
        beat();
        watchingPipeline = true;
        systemd.ifPresent(n -> quietly(() -> n.ready(status)));
    }

    /** An orderly stop begins: STOPPING=1; the timer stops beating on purpose, which is no hang. Kicks go on. */
    public void stopping() {
        if (stopping) return;
        stopping = true;
        systemd.ifPresent(n -> quietly(n::stopping));
    }

    /** The pipeline's heartbeat: the transfer timer beats after each tick it could run. */
    public void beat() {
        lastBeat = System.nanoTime();
    }

    public void onStatus(Status s) {
        systemd.ifPresent(n -> quietly(() -> n.status(s.state().wire() + (s.ver() != null ? " ver " + s.ver() : "")
                + (s.count() != null ? " " + s.received() + "/" + s.count() : "")
                + ", net " + network.classify(System.nanoTime()).wire())));
    }

    private void cycle() {
        try {
            long now = System.nanoTime();
            LinkControl l = link;
            if (l != null) l.relaxKeepAlive(network.classify(now) != NetworkHealth.Net.GOOD);
            if (!recovering && !stopping) checkProgress(now);
            for (Watchdog w : watchdogs) {
                if (w instanceof SerialWatchdog serial && !serial.healthy()) {
                    if (!recovering) panic("serial watchdog " + serial.name() + " lost", null);
                    continue;
                }
                try {
                    w.kick();
                } catch (IOException e) {
                    Log.warn("kicking " + w.name() + " failed: " + e.getMessage());
                }
            }
        } catch (RuntimeException e) {
            Log.error("watchdog cycle failed", e);
        }
    }

    /**
     * Before READY the start-up must finish within {@link #STARTUP_LIMIT}; after it the timer must beat. Slow
     * storage is not a stuck pipeline: while a disk operation is in flight (the timer may be waiting for the
     * thread that holds the update behind an fsync) the limit is {@code disk-timeout}, and a disk operation that
     * finishes counts as a beat.
     */
    private void checkProgress(long now) {
        long diskWait = DiskActivity.waitingNanos(now);
        long sinceProgress = now - Math.max(lastBeat, DiskActivity.lastDone());
        if (!watchingPipeline && now - openedAt > STARTUP_LIMIT.toNanos()) {
            panic("start-up stuck: not ready after " + STARTUP_LIMIT.toSeconds() + " s", null);
        } else if (watchingPipeline && diskWait > policy.diskTimeout().toNanos()) {
            panic("storage stuck: a disk operation has not returned for " + diskWait / 1_000_000 + " ms", null);
        } else if (watchingPipeline && diskWait == 0 && sinceProgress > policy.heartbeatTimeout().toNanos()) {
            panic("pipeline stuck: no heartbeat for " + sinceProgress / 1_000_000 + " ms", null);
        }
    }

    /** The link's health now, in the contract's words (a status's {@code net} is stamped again when it is sent). */
    @Override
    public NetworkHealth.Net net() {
        return network.classify(System.nanoTime());
    }

    @Override
    public Long wdtMs() {
        java.util.OptionalLong smallest = watchdogs.stream().map(Watchdog::timeout).filter(java.util.Objects::nonNull)
                .mapToLong(Duration::toMillis).min();
        return smallest.isPresent() ? smallest.getAsLong() : null;
    }

    @Override
    public void progressing() {
        beat();
    }

    @Override
    public void stalled() {
        network.stall(System.nanoTime());
    }

    /** Hands the panic to the guardian's own thread: the caller may be the very thread that is stuck. */
    @Override
    public void panic(String cause, Throwable error) {
        synchronized (this) {
            if (recovering || exiting) {
                Log.error("panic during recovery: " + cause);
                return;
            }
            recovering = true;
        }
        Log.error("PANIC: " + cause + (error != null ? " (" + error + ")" : ""));
        responder.execute(() -> respond(cause));
    }

    private void respond(String cause) {
        long t0 = System.nanoTime();
        if (updater == null || link == null) {
            exitGracefully("panic before the agent was running (" + cause + ")");
            return;
        }
        publishDirect(updater.recoveringStatus("panic: " + cause));
        setTimeouts(true);
        NetworkHealth.Net net = network.classify(System.nanoTime());
        if (net != NetworkHealth.Net.GOOD) {
            exitGracefully("network is " + net.wire() + ", recovery cannot be confirmed (after: " + cause + ")");
            return;
        }
        Future<?> recovery = worker.submit(() -> {
            if (!link.awaitConnected(policy.recoveryWindow())) throw new IOException("MQTT did not reconnect");
            updater.reloadFromDisk();
            return null;
        });
        try {
            recovery.get(policy.recoveryWindow().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exitGracefully("not recovered within " + policy.recoveryWindow().toMillis() + " ms (after: " + cause + ")");
            return;
        } catch (Exception e) {
            exitGracefully("recovery failed: " + e.getMessage() + " (after: " + cause + ")");
            return;
        }
        setTimeouts(false);
        beat();
        recovering = false;
        Log.info("recovered from the panic in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    private void setTimeouts(boolean extended) {
        for (Watchdog w : watchdogs) {
            Duration want = extended ? maxOf(dogSettings.extendedTimeout(), normalTimeout(w)) : normalTimeout(w);
            try {
                Duration got = w.setTimeout(want);
                Log.info("watchdog " + w.name() + " timeout " + got.toMillis() + " ms" + (extended ? " (extended)" : ""));
            } catch (IOException e) {
                Log.warn("cannot set the timeout of " + w.name() + ": " + e.getMessage());
            }
        }
    }

    private final java.util.Map<Watchdog, Duration> normal = new java.util.concurrent.ConcurrentHashMap<>();

    /** Each watchdog's normal timeout: the one it had when it was opened (systemd's WatchdogSec, ours otherwise). */
    private Duration normalTimeout(Watchdog w) {
        return normal.computeIfAbsent(w, x -> x.timeout() != null ? x.timeout() : dogSettings.normalTimeout());
    }

    private static Duration maxOf(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * Graceful exit: make the transfer durable, say so if the link allows, STOPPING=1, count the exit for
     * crash-loop detection, and exit with {@link #EXIT_PANIC}, the watchdogs still armed.
     */
    private void exitGracefully(String why) {
        exiting = true;
        Log.error("graceful exit (code " + EXIT_PANIC + "): " + why);
        Updater u = updater;
        if (u != null) {
            Future<?> sync = worker.submit(u::shutdown);
            try {
                sync.get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                Log.warn("could not sync the transfer state before exiting: " + e);
            }
            publishDirect(u.recoveringStatus("exiting with code " + EXIT_PANIC + " to be restarted: " + why));
        }
        systemd.ifPresent(n -> quietly(n::stopping));
        quietly(() -> crashLoop.recordExit(System.currentTimeMillis()));
        for (Watchdog w : watchdogs) w.close(false);
        System.out.flush();
        Runtime.getRuntime().halt(EXIT_PANIC);
    }

    /** Waits briefly for the broker's PUBACK: the process may exit next. */
    private void publishDirect(Status s) {
        LinkControl l = link;
        try {
            if (l != null && !l.publishAndWait(s, Duration.ofMillis(500))) Log.warn("status " + s.state().wire() + " not acknowledged");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        onStatus(s);
    }

    /** Orderly stop: STOPPING=1; hardware watchdogs are disarmed (magic close) since nothing will restart us. */
    @Override
    public void close() {
        stopping();
        kicker.shutdownNow();
        responder.shutdownNow();
        worker.shutdownNow();
        for (Watchdog w : watchdogs) w.close(true);
        systemd.ifPresent(n -> n.close(false));
    }

    private interface Step {
        void run() throws IOException;
    }

    private static void quietly(Step step) {
        try {
            step.run();
        } catch (IOException e) {
            Log.warn(e.getMessage());
        }
    }
}
