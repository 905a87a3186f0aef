package io.reizi.agent;

import io.reizi.agent.mqtt.AgentLink;
import io.reizi.ota.bank.StateStore;
import io.reizi.ota.crypto.TrustedKeys;
import io.reizi.runtime.AppRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The daemon: trust, banks and state from disk, the update state machine, its MQTT link and its timer. */
public final class Agent implements AutoCloseable {
    private static final long TICK_MS = 100;
    private final AgentConfig config;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private AgentLink link;
    private Updater updater;
    private Guardian guardian;
    private ScheduledExecutorService timer;

    public Agent(AgentConfig config) {
        this.config = config;
    }

    /** Starts everything and returns once connected and subscribed (READY). */
    public void start() throws Exception {
        long t0 = System.nanoTime();
        Log.info("reizi agent " + config.id() + " starting; broker " + config.broker() + ", data dir "
                + config.dataDir() + (config.groups().isEmpty() ? "" : ", groups " + config.groups()));
        Files.createDirectories(config.dataDir());
        TrustedKeys trust = TrustedKeys.load(config.trustDir());
        Log.info(trust.keys().size() + " trusted key(s) from " + config.trustDir());
        guardian = Guardian.open(config);
        guardian.extendStartup(Duration.ofSeconds(30));
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> guardian.panic("uncaught in thread " + t.getName(), e));
        link = new AgentLink(config, guardian);
        AppRuntime runtime = new AppRuntime(config.dataDir().resolve("app-state"), config.stopGrace(), Log::info);
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
        link.connect(updater);
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("reizi-timer").daemon().factory());
        timer.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        guardian.ready("connected to " + config.broker());
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
        } catch (RuntimeException e) {
            guardian.panic("the transfer timer failed", e);
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
        if (timer != null) timer.shutdownNow();
        if (updater != null) updater.shutdown();
        if (link != null) link.close();
        if (guardian != null) guardian.close();
        Log.info("agent stopped");
        stopped.countDown();
    }
}
