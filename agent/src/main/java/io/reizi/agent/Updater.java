package io.reizi.agent;

import io.reizi.ota.bank.BankBackend;
import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.bank.Release;
import io.reizi.ota.bank.Staging;
import io.reizi.ota.bank.StateStore;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.crypto.TrustedKeys;
import io.reizi.ota.transfer.Transfer;
import io.reizi.ota.wire.Chunk;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Refusal;
import io.reizi.runtime.AppFailure;
import io.reizi.runtime.AppRelease;
import io.reizi.runtime.AppRuntime;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The device's update state machine: manifests in, chunks in, statuses out, banks switched.
 * Every entry point is synchronized; MQTT callbacks and the timer tick take turns. The transfer
 * bookkeeping is {@link Transfer}; this class does the I/O around it.
 */
public final class Updater {
    /** Where statuses go (the MQTT link; a list in tests). */
    public interface StatusSink {
        void publish(Status status);
    }

    /** What the watchdog side knows and wants to hear: link health, the watchdog timeout, stalls, panics. */
    public interface Guard {
        /** {@code good}, {@code degraded} or {@code down}. */
        String net();

        /** The watchdog timeout in force, in ms; null without a watchdog. */
        Long wdtMs();

        void stalled();

        void panic(String cause, Throwable error);
    }

    /** A download in progress and its timers (nanoTime). */
    private static final class Download {
        final Manifest manifest;
        final byte[] manifestPayload;
        final String topic;
        final Transfer transfer;
        final Staging staging;
        int unsynced;
        long firstUnsyncedAt;
        long lastActivityAt;
        long sessionStartAt = -1;
        long sessionBytes;
        List<Transfer.Range> lastNeed = List.of();

        Download(Manifest manifest, byte[] payload, String topic, Transfer transfer, Staging staging, long now) {
            this.manifest = manifest;
            this.manifestPayload = payload;
            this.topic = topic;
            this.transfer = transfer;
            this.staging = staging;
            this.lastActivityAt = now;
        }
    }

    private final AgentConfig config;
    private final TrustedKeys trust;
    private final BankBackend banks;
    private final ReleasePolicy policy;
    private final TrialProbe trialProbe;
    private final StateStore store;
    private final StatusSink sink;
    private final AppRuntime runtime;
    private final Guard guard;
    private final FaultInjector faults;
    private volatile DeviceState state;
    private Download download;
    private volatile Status lastStatus;
    /** Set while a bounded long step runs under the lock (verify, switch, trial): the timer cannot beat then. */
    private volatile boolean longStep;
    private long lastStatusAt;
    private boolean trialPending;

    public Updater(AgentConfig config, TrustedKeys trust, BankBackend banks, StateStore store, StatusSink sink,
            AppRuntime runtime, Guard guard) {
        this.config = config;
        this.runtime = runtime;
        this.guard = guard;
        this.faults = new FaultInjector(config.watchdog().injectFault());
        this.trust = trust;
        this.banks = banks;
        this.policy = new ReleasePolicy(config, banks);
        this.trialProbe = new TrialProbe(config, banks, runtime);
        this.store = store;
        this.sink = sink;
    }

    /** Loads the state, repairs the bank pointer, handles a restart in trial, and resumes a download. */
    public synchronized void start() throws IOException {
        state = store.load();
        if (banks.pointedAt() != state.active()) {
            if (state.trial() && banks.bootloaderDecides()) {
                rollBack("the bootloader fell back to bank " + banks.pointedAt().wire()
                        + ": ver " + state.activeVer() + " did not confirm its boot");
            } else {
                Log.warn("bank pointer disagrees with the state file; pointing it at bank " + state.active().wire());
                banks.activate(state.active());
            }
        }
        Log.info("active bank " + state.active().wire() + " ver=" + state.activeVer()
                + (state.trial() ? " (on trial)" : ""));
        if (state.trial()) {
            countTrialRestart();
            return;
        }
        startActiveApp();
        resumeLeftover();
        if (download == null && lastStatus == null) publish(base(OtaState.IDLE).build()); // else a rollback says more
    }

    /** Hosts the active release if it is a jar or exec (a committed one: trials resume in {@link #resumeTrial}). */
    private void startActiveApp() {
        Optional<AppRelease> app = appOf(state.active());
        if (app.isEmpty()) return;
        try {
            runtime.start(app.get(), Optional.empty());
        } catch (AppFailure e) {
            Log.error("the active release does not start: " + e.getMessage());
        }
    }

    /** The runtime's view of what a bank holds, when it is something the runtime runs. */
    private Optional<AppRelease> appOf(io.reizi.ota.bank.Bank bank) {
        Release r = state.banks().get(bank);
        if (r == null || r.kind().equals(Kind.IMAGE.wire())) return Optional.empty();
        AppRelease.AppKind kind = r.kind().equals(Kind.JAR.wire()) ? AppRelease.AppKind.JAR : AppRelease.AppKind.EXEC;
        return Optional.of(new AppRelease(kind, r.ver(), Optional.ofNullable(r.entry()), banks.imagePath(bank),
                banks.bankDir(bank)));
    }

    public synchronized DeviceState deviceState() {
        return state;
    }

    /** The status to show while the agent recovers from a panic; lock-free, the panic may hold the lock. */
    public Status recoveringStatus(String detail) {
        Status last = lastStatus;
        DeviceState s = state;
        StatusBuilder b = new StatusBuilder(config.id(), OtaState.RECOVERING, s, guard).detail(detail);
        if (last != null && last.ver() != null) {
            b.release(new ManifestCodec.Identity(Optional.ofNullable(last.fw()), Optional.of(last.ver()),
                    Optional.ofNullable(last.label())));
        }
        return b.build();
    }

    /**
     * Recovery after a panic: forget the in-memory transfer and take it up again from what is on disk
     * (the durable bitmap), which also asks again for everything not yet synced.
     */
    public synchronized void reloadFromDisk() throws IOException {
        if (download != null) {
            try {
                download.staging.close();
            } catch (IOException e) {
                Log.warn("closing the staged image: " + e.getMessage());
            }
            download = null;
        }
        resumeLeftover();
        if (download == null && lastStatus != null) publish(lastStatus.withTs(System.currentTimeMillis()));
    }

    /** Crash-loop escalation: stop retrying the update in progress, keep the active release. */
    public synchronized void abandonUpdate(String why) throws IOException {
        Optional<Staging.Leftover> leftover = Staging.leftover(banks, state.inactive());
        ManifestCodec.Identity release = leftover.map(l -> identify(l.cose()))
                .orElse(new ManifestCodec.Identity(Optional.empty(), Optional.empty(), Optional.empty()));
        if (download != null) {
            download.staging.close();
            download = null;
        }
        Staging.discard(banks, state.inactive());
        if (release.ver().isPresent()) {
            state = state.refuse(release.ver().get());
            store.save(state);
        }
        Log.error("update" + release.ver().map(v -> " of ver=" + v).orElse("") + " abandoned: " + why);
        publish(base(OtaState.FAILED).release(release).error(null, why).build());
    }

    /** After every (re)connect: say where we are; while downloading, that is the current need. */
    public synchronized void onConnected() {
        if (download != null) publishNeed();
        else if (lastStatus != null) publish(lastStatus.withTs(System.currentTimeMillis()));
    }

    public synchronized void onManifest(String topic, byte[] payload) {
        if (payload.length == 0) {
            if (download != null && download.topic.equals(topic)) {
                Log.info("manifest on " + topic + " cleared: cancelling download of ver=" + download.manifest.ver());
                abandonDownload();
                publish(base(OtaState.IDLE).detail("manifest withdrawn by the publisher").build());
            }
            return;
        }
        CoseSign1.Envelope envelope;
        Manifest manifest;
        try {
            envelope = CoseSign1.decode(payload);
            trust.verify(envelope);
            manifest = ManifestCodec.decode(envelope.payload());
        } catch (Refusal r) {
            refuse(identify(payload), r);
            return;
        }
        if (download != null && Arrays.equals(envelope.payload(), download.manifestPayload)) {
            Log.info("manifest ver=" + manifest.ver() + " again: answering with the current need");
            publishNeed();
            return;
        }
        Optional<Release> active = state.activeRelease();
        if (active.isPresent() && active.get().ver() == manifest.ver() && active.get().hash().equals(manifest.hash())) {
            if (state.trial()) {
                Log.info("manifest ver=" + manifest.ver() + " is the release on trial");
                publish(base(OtaState.TRIAL).release(manifest).build());
            } else {
                Log.info("manifest ver=" + manifest.ver() + " is the active, committed release");
                publish(base(OtaState.COMMITTED).release(manifest).build());
            }
            return;
        }
        try {
            policy.check(manifest, state, System.currentTimeMillis() / 1000);
            accept(topic, payload, envelope.payload(), manifest);
        } catch (Refusal r) {
            refuse(identity(manifest), r);
        } catch (IOException e) {
            failDownload(manifest, "cannot prepare bank " + state.inactive().wire() + ": " + e.getMessage());
        }
    }

    public synchronized void onChunk(byte[] payload) {
        if (download == null) return;
        Chunk chunk;
        try {
            chunk = ChunkCodec.decode(payload);
        } catch (Refusal r) {
            Log.warn("chunk rejected: " + r.getMessage());
            return;
        }
        Download d = download;
        long now = System.nanoTime();
        faults.beforeChunk();
        switch (d.transfer.check(chunk)) {
            case Transfer.Verdict.Accept a -> {
                try {
                    d.staging.write(a.offset(), a.data());
                } catch (IOException e) {
                    dataDirFailed("cannot write chunk " + a.seq(), e);
                    return;
                }
                d.transfer.markReceived(a.seq());
                if (d.unsynced++ == 0) d.firstUnsyncedAt = now;
                if (d.sessionStartAt < 0) d.sessionStartAt = now;
                d.sessionBytes += a.data().length;
                d.lastActivityAt = now;
                if (d.unsynced >= config.syncChunks()) sync(d);
            }
            case Transfer.Verdict.Duplicate dup -> d.lastActivityAt = now;
            case Transfer.Verdict.OtherRelease other -> {
                return;
            }
            case Transfer.Verdict.Reject r -> {
                Log.warn("chunk rejected for ver=" + d.manifest.ver() + ": " + r.reason());
                return;
            }
        }
        if (d.transfer.complete()) {
            finish(d);
        } else if (chunk.seq() == d.manifest.count() - 1 || d.transfer.covers(d.lastNeed)) {
            publishNeed();
        }
    }

    /** The timer: batched fsync, stall re-requests, periodic progress. */
    public synchronized void tick() {
        Download d = download;
        if (d == null) return;
        long now = System.nanoTime();
        if (d.unsynced > 0 && now - d.firstUnsyncedAt >= config.syncInterval().toNanos()) sync(d);
        if (download != d) return;
        java.time.Duration stall = "good".equals(guard.net()) || guard.net() == null
                ? config.stallInterval() : config.watchdog().stallIntervalDegraded();
        if (now - d.lastActivityAt >= stall.toNanos()) {
            Log.info("no chunk for " + stall.toMillis() + " ms; asking again");
            guard.stalled();
            publishNeed();
        } else if (now - lastStatusAt >= config.statusInterval().toNanos()) {
            publish(progress(d, OtaState.DOWNLOADING).build());
        }
    }

    /** Makes received data durable and stops the hosted release before the process ends. */
    public synchronized void shutdown() {
        runtime.close();
        if (download != null) {
            sync(download);
            try {
                download.staging.close();
            } catch (IOException e) {
                Log.warn("closing staging: " + e.getMessage());
            }
        }
    }

    private void accept(String topic, byte[] cose, byte[] manifestPayload, Manifest m) throws IOException {
        if (download != null) {
            Log.info("abandoning download of ver=" + download.manifest.ver() + " for ver=" + m.ver());
            download.staging.close();
            download = null;
        }
        state = state.clearInactive();
        store.save(state);
        Staging staging = Staging.start(banks, state.inactive(), cose, m.count());
        download = new Download(m, manifestPayload, topic, new Transfer(m, new java.util.BitSet()), staging,
                System.nanoTime());
        Log.info("manifest accepted: fw=" + m.fw() + " ver=" + m.ver() + " size=" + m.size() + " chunks="
                + m.count() + "x" + m.chunk() + " into bank " + state.inactive().wire());
        publishNeed();
    }

    private void resumeLeftover() throws IOException {
        Optional<Staging.Leftover> leftover = Staging.leftover(banks, state.inactive());
        if (leftover.isEmpty()) return;
        try {
            CoseSign1.Envelope env = CoseSign1.decode(leftover.get().cose());
            trust.verify(env);
            Manifest m = ManifestCodec.decode(env.payload());
            Transfer t = new Transfer(m, leftover.get().durable());
            download = new Download(m, env.payload(), config.manifestTopic(config.id()), t,
                    Staging.resume(banks, state.inactive(), m.count()), System.nanoTime());
            Log.info("resuming download of ver=" + m.ver() + ": " + t.receivedCount() + "/" + m.count()
                    + " chunks already on disk");
            publish(progress(download, OtaState.DOWNLOADING).need(Status.wire(t.need())).build());
        } catch (Refusal r) {
            Log.warn("dropping leftover download: " + r.getMessage());
            Staging.discard(banks, state.inactive());
        }
    }

    private void sync(Download d) {
        try {
            faults.beforeSync();
            d.staging.sync(d.transfer.receivedSet());
            d.unsynced = 0;
        } catch (IOException e) {
            dataDirFailed("cannot sync the staged image", e);
        }
    }

    /**
     * The data dir failed under the transfer: a panic. The download is set aside, not discarded: recovery
     * takes it up again from what is on disk.
     */
    private void dataDirFailed(String what, IOException e) {
        try {
            download.staging.close();
        } catch (IOException ignored) {
            // already failing
        }
        download = null;
        guard.panic(what + ": " + e.getMessage(), e);
    }

    public boolean inLongStep() {
        return longStep;
    }

    private void finish(Download d) {
        longStep = true;
        try {
            verifyAndSwitch(d);
        } finally {
            longStep = false;
        }
    }

    private void verifyAndSwitch(Download d) {
        sync(d);
        if (download != d) return;
        Manifest m = d.manifest;
        Log.info("all " + m.count() + " chunks of ver=" + m.ver() + " received; verifying");
        publish(progress(d, OtaState.VERIFYING).build());
        download = null;
        try {
            String actual = d.staging.hash(m.size());
            if (!actual.equals(m.hash())) {
                d.staging.close();
                Staging.discard(banks, state.inactive());
                refuse(identity(m), new Refusal(ErrorCode.IMAGE_HASH_MISMATCH,
                        "image is " + actual + ", the manifest says " + m.hash()));
                return;
            }
            d.staging.promote();
        } catch (IOException e) {
            failDownload(m, "cannot verify the staged image: " + e.getMessage());
            return;
        }
        publish(base(OtaState.STAGED).release(m).build());
        switchTo(Release.of(m));
    }

    private void switchTo(Release release) {
        DeviceState before = state;
        publish(base(OtaState.SWITCHING).release(release).build());
        try {
            DeviceState after = before.switchTo(release);
            store.save(after);
            state = after;
            banks.activate(after.active());
        } catch (IOException e) {
            Log.error("switch to bank " + before.inactive().wire() + " failed: " + e.getMessage());
            try {
                store.save(before);
                banks.activate(before.active());
            } catch (IOException again) {
                Log.error("restoring bank " + before.active().wire() + " failed too: " + again.getMessage());
            }
            state = before;
            publish(base(OtaState.FAILED).release(release).error(ErrorCode.SWITCH_FAILED, e.getMessage()).build());
            return;
        }
        if (banks.bootloaderDecides()) {
            requestReboot(release);
            return;
        }
        Log.info("switched to bank " + state.active().wire() + " ver=" + release.ver() + "; trial starts");
        runTrial(false);
    }

    /**
     * A bootloader backend boots the new slot only after a reboot; its trial runs when the agent starts on
     * the new system (that start counts as the first trial restart). Without a reboot command, the operator reboots.
     */
    private void requestReboot(Release release) {
        String detail = "bank " + state.active().wire() + " is primary; reboot to boot ver " + release.ver();
        if (config.rebootCmd().isEmpty()) {
            Log.warn(detail + " (no reboot-cmd configured)");
            publish(base(OtaState.TRIAL).release(release).detail(detail).build());
            return;
        }
        Log.info(detail + ": running " + config.rebootCmd().get());
        publish(base(OtaState.TRIAL).release(release).detail(detail).build());
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", config.rebootCmd().get()).inheritIO()
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            // A reboot command schedules the reboot and returns; one that does not is left running.
            if (p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) Log.info("reboot command exited " + p.exitValue());
        } catch (IOException e) {
            Log.error("reboot command failed to start: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A restart during a trial counts, like a bootloader's boot counter; past the limit, roll back now. */
    private void countTrialRestart() throws IOException {
        state = state.countTrialRestart();
        store.save(state);
        Release release = state.activeRelease().orElseThrow();
        if (state.trialRestarts() > config.maxTrialRestarts()) {
            rollBack("restarted " + state.trialRestarts() + " times during the trial of ver=" + release.ver()
                    + " (limit " + config.maxTrialRestarts() + ")");
        } else {
            Log.info("restarted during the trial of ver=" + release.ver() + " (" + state.trialRestarts() + " of "
                    + config.maxTrialRestarts() + " allowed); the trial runs again once connected");
            trialPending = true;
            publish(base(OtaState.TRIAL).release(release).build());
        }
    }

    public synchronized boolean trialPending() {
        return trialPending;
    }

    /** Runs the trial that a restart interrupted (called once connected, so its outcome is reported). */
    public synchronized void resumeTrial() {
        if (!trialPending) return;
        trialPending = false;
        longStep = true;
        try {
            runTrial(true);
        } finally {
            longStep = false;
        }
    }

    /** The trial of the active release ({@link TrialProbe}), then its commit or its rollback. */
    private void runTrial(boolean afterRestart) {
        Release release = state.activeRelease().orElseThrow();
        TrialProbe.Outcome outcome = trialProbe.run(release, state.active(), appOf(state.active()), afterRestart,
                swapMs -> publish(base(OtaState.TRIAL).release(release).swapMs(swapMs).build()));
        if (outcome.failure().isPresent()) {
            rollBack(outcome.failure().get());
            return;
        }
        try {
            runtime.commit();
            banks.markGood(state.active());
            state = state.commit();
            store.save(state);
        } catch (IOException e) {
            Log.error("cannot record the commit of ver=" + release.ver() + ": " + e.getMessage());
            return;
        }
        Log.info("committed ver=" + release.ver() + " in bank " + state.active().wire());
        publish(base(OtaState.COMMITTED).release(release).swapMs(outcome.swapMs()).build());
    }

    private void rollBack(String why) {
        Release failed = state.activeRelease().orElseThrow();
        DeviceState after = state.rollBack();
        try {
            banks.markBad(state.active());
            store.save(after);
            banks.activate(after.active());
        } catch (IOException e) {
            Log.error("rollback to bank " + after.active().wire() + " failed: " + e.getMessage());
        }
        state = after;
        try {
            runtime.rollBackTo(appOf(state.active()));
        } catch (AppFailure e) {
            Log.error("the previous release does not start again: " + e.getMessage());
        }
        Log.warn("rolled back ver=" + failed.ver() + " to bank " + state.active().wire() + ": " + why);
        publish(base(OtaState.ROLLED_BACK).release(failed).error(ErrorCode.HEALTH_CHECK_FAILED, why).build());
    }

    private void refuse(ManifestCodec.Identity release, Refusal r) {
        Log.warn("manifest" + release.ver().map(v -> " ver=" + v).orElse("") + " refused: " + r.code().wire()
                + ": " + r.getMessage());
        publish(base(OtaState.FAILED).release(release).error(r.code(), r.getMessage()).build());
        if (download != null) publishNeed();
    }

    private static ManifestCodec.Identity identity(Manifest m) {
        return new ManifestCodec.Identity(Optional.of(m.fw()), Optional.of(m.ver()), m.label());
    }

    /** Names the release of a manifest that failed before it could be trusted (best effort). */
    private static ManifestCodec.Identity identify(byte[] cose) {
        try {
            return ManifestCodec.identify(CoseSign1.decode(cose).payload());
        } catch (Refusal notCose) {
            return new ManifestCodec.Identity(Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    private void failDownload(Manifest m, String detail) {
        Log.error("download of ver=" + m.ver() + " failed: " + detail);
        abandonDownload();
        publish(base(OtaState.FAILED).release(m).detail(detail).build());
    }

    private void abandonDownload() {
        if (download == null) return;
        try {
            download.staging.close();
            Staging.discard(banks, state.inactive());
        } catch (IOException e) {
            Log.warn("cleaning the abandoned download: " + e.getMessage());
        }
        download = null;
    }

    private void publishNeed() {
        Download d = download;
        List<Transfer.Range> need = d.transfer.need();
        d.lastNeed = need;
        d.lastActivityAt = System.nanoTime();
        publish(progress(d, OtaState.DOWNLOADING).need(Status.wire(need)).build());
    }

    private void publish(Status s) {
        if (lastStatus == null || !lastStatus.state().equals(s.state())) {
            Log.info("status " + s.state() + (s.ver() != null ? " ver=" + s.ver() : "")
                    + (s.error() != null ? " error=" + s.error() : ""));
        }
        lastStatus = s;
        lastStatusAt = System.nanoTime();
        sink.publish(s);
    }

    private StatusBuilder base(OtaState s) {
        return new StatusBuilder(config.id(), s, state, guard);
    }

    private StatusBuilder progress(Download d, OtaState s) {
        Transfer t = d.transfer;
        long rate = 0;
        if (d.sessionStartAt >= 0) {
            long elapsed = System.nanoTime() - d.sessionStartAt;
            if (elapsed > 0) rate = d.sessionBytes * 1_000_000_000L / elapsed;
        }
        return base(s).release(d.manifest).progress(t.receivedCount(), d.manifest.count(), t.receivedBytes(),
                (double) t.receivedCount() / d.manifest.count(), rate);
    }
}
