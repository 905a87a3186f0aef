package io.reizi.agent;

import io.reizi.agent.mqtt.AgentLink;
import io.reizi.agent.mqtt.Inbox;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.bank.StateStore;
import io.reizi.ota.crypto.TrustedKeys;
import io.reizi.ota.wire.Topics;
import io.reizi.runtime.AppRuntime;
import io.reizi.runtime.UnpackLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The daemon: trust, banks and state from disk, the update state machine, its MQTT link and its timer.
 * Dependencies run one way: the guardian (watchdogs, panics) knows the link only as a {@code LinkControl}; the
 * link knows the guardian only as a network-health tracker and a panic handler.
 */
public final class Agent implements AutoCloseable {
    private static final long TICK_MS = 100;
    /** How long an orderly stop waits for the broker to acknowledge the statuses still queued and {@code offline}. */
    private static final Duration OFFLINE_GRACE = Duration.ofSeconds(8);
    /**
     * A run that trains the AOT cache (the launcher sets reizi.aot.training) has the JVM write it when it exits:
     * 55 s on a loaded board, past the unit's TimeoutStopSec=20s, which killed it and lost the cache each time.
     */
    private static final boolean AOT_TRAINING = Boolean.getBoolean("reizi.aot.training");
    private static final Duration AOT_CACHE_WRITE = Duration.ofMinutes(5);
    private final AgentConfig config;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private AgentLink link;
    private Updater updater;
    private Guardian guardian;
    private ScheduledExecutorService timer;
    private AppRuntime runtime;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile int exitCode;

    public Agent(AgentConfig config) {
        this.config = config;
    }

    /**
     * Starts everything and returns once the active release runs (READY); the broker is connected to in the
     * background, and statuses wait for it in the link's outbox.
     */
    public void start() throws Exception {
        long t0 = System.nanoTime();
        Log.info("reizi agent " + config.id() + " starting; broker " + config.broker() + ", data dir "
                + config.dataDir() + (config.groups().isEmpty() ? "" : ", groups " + config.groups()));
        Files.createDirectories(config.dataDir());
        TrustedKeys trust = TrustedKeys.load(config.trustDir());
        Log.info(trust.keys().size() + " trusted key(s) from " + config.trustDir());
        guardian = Guardian.open(config);
        guardian.extendTimeout(Duration.ofSeconds(30));
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            if (AppRuntime.isAppThread(t)) Log.warn("the hosted app's thread " + t.getName() + " failed: " + e);
            else guardian.panic("uncaught in thread " + t.getName(), e);
        });
        link = new AgentLink(config, guardian.network(), guardian::panic);
        runtime = new AppRuntime(config.dataDir().resolve("app-state"), config.stopGrace(),
                UnpackLimits.forMaxImageSize(config.maxImageSize()), Log::info);
        Updater.StatusSink sink = s -> {
            link.publish(s);
            guardian.onStatus(s);
        };
        updater = new Updater(config, trust, config.banks().open(config.dataDir()),
                new StateStore(config.dataDir().resolve("state.json")), sink, runtime, guardian);
        guardian.attach(link, updater);
        updater.start();
        if (guardian.crashLoop().looping(System.currentTimeMillis())) {
            updater.abandonUpdate("crash loop: " + guardian.crashLoop().recentExits(System.currentTimeMillis())
                    + " panic exits within " + guardian.crashLoop().window().toMinutes()
                    + " min; the update is given up, the active release keeps running");
            guardian.crashLoop().reset();
        }
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("reizi-timer").daemon().factory());
        timer.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        guardian.ready("active release running; connecting to " + config.broker());
        link.start(new UpdaterInbox());
        long readyMs = (System.nanoTime() - t0) / 1_000_000;
        Log.info("READY in " + readyMs + " ms" + sinceProcessStart().map(ms -> ", " + ms + " ms after the process started")
                .orElse(""));
        if (updater.trialPending()) timer.execute(updater::resumeTrial);
    }

    /**
     * Whole start-up as the kernel counts it (launcher, JVM, command line, agent): the process's start and the
     * uptime, both since boot in 10 ms ticks (ProcessHandle's start instant adds the boot time in whole seconds).
     */
    private static Optional<Long> sinceProcessStart() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            long startTicks = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
            double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
            return Optional.of(Math.round(uptime * 1000) - startTicks * 10); // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void tick() {
        try {
            updater.tick();
            guardian.beat();
            shedLingeringThreads();
        } catch (RuntimeException e) {
            guardian.panic("the transfer timer failed", e);
        }
    }

    /**
     * A Java thread cannot be killed: threads a replaced jar release left running past stop-grace keep their CPU
     * and classes until the JVM ends. Once the update is idle (its status already says so), the agent stops in
     * order and exits {@link Guardian#EXIT_PANIC}, which the unit restarts into the release that is active now.
     */
    private void shedLingeringThreads() {
        if (runtime.lingering().isEmpty() || !(updater.phase() instanceof Phase.Idle) || exitCode != 0) return;
        Log.warn(runtime.lingering().get().detail() + "; restarting (exit " + Guardian.EXIT_PANIC + ") to shed them");
        exitCode = Guardian.EXIT_PANIC;
        Thread.ofPlatform().name("reizi-restart").start(this::close);
    }

    /** The process's exit code once stopped: 0, or {@link Guardian#EXIT_PANIC} for a restart the agent asked for. */
    public int exitCode() {
        return exitCode;
    }

    /** The link delivers to the updater; a message the handlers failed on is refused as {@code failed}. */
    private final class UpdaterInbox implements Inbox {
        @Override
        public void onConnected() {
            updater.onConnected();
        }

        @Override
        public void onDisconnected() {
            updater.onDisconnected();
        }

        @Override
        public void onStatusDelivered() {
            updater.onStatusDelivered();
        }

        @Override
        public void onManifest(String topic, byte[] payload) {
            updater.onManifest(topic, payload);
        }

        @Override
        public void onChunk(byte[] payload) {
            updater.onChunk(payload);
        }

        /**
         * A manifest is refused with a {@code failed} status, as the updater refuses a manifest it could decode;
         * a chunk is only logged (done by the link), as the updater does with chunks it rejects: the stall timer
         * asks again for what is missing.
         */
        @Override
        public void refuse(String topic, ErrorCode code, String detail) {
            if (Topics.firmwareMessage(topic).orElse(null) != Topics.Firmware.MANIFEST) return;
            updater.publish(updater.status(OtaState.FAILED).error(code, detail).build());
        }
    }

    public Updater updater() {
        return updater;
    }

    /** Blocks until {@link #close()}. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        if (guardian != null) guardian.stopping();
        if (timer != null) timer.shutdownNow();
        if (updater != null) updater.shutdown();
        if (link != null) link.close(OFFLINE_GRACE);
        if (guardian != null && AOT_TRAINING) guardian.extendTimeout(AOT_CACHE_WRITE);
        if (guardian != null) guardian.close();
        Log.info("agent stopped");
        stopped.countDown();
    }
}
