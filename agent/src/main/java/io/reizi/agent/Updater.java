package io.reizi.agent;

import io.reizi.ota.bank.Bank;
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
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Refusal;
import io.reizi.runtime.AppFailure;
import io.reizi.runtime.AppRelease;
import io.reizi.runtime.AppRuntime;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;

/**
 * The device's update as a phase machine ({@link Phase}): manifests and chunks in (MQTT threads), statuses
 * out, banks switched. Each entry point takes the lock briefly and decides the transition for its event; a
 * phase is journaled ({@link UpdateJournal}) before the step that depends on it. Chunk writes stay on the
 * MQTT thread (they are the back-pressure); verify, switch and trial run on the update worker
 * ({@link UpdateSteps}), which the MQTT threads never wait for. {@link Recovery} maps what a start finds to
 * the phase it resumes at.
 */
public final class Updater implements UpdateSteps.Machine {
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

    /** A manifest that arrived while the worker was busy: taken up once the update is idle again (latest wins). */
    private record Deferred(String topic, byte[] payload) {}

    /** A download the storage refused (full, read-only): its chunks stay on disk until it is taken up again. */
    private record Waiting(Manifest manifest, byte[] payload, String topic) {}

    /** How often a download that ran out of space looks for space again. */
    static final Duration SPACE_RECHECK = Duration.ofSeconds(5);
    private final AgentConfig config;
    private final TrustedKeys trust;
    private final BankBackend banks;
    private final ReleasePolicy policy;
    private final StateStore store;
    private final UpdateJournal journal;
    private final StatusSink sink;
    private final AppRuntime runtime;
    private final Guard guard;
    private final FaultInjector faults;
    private final UpdateSteps steps;
    private final ExecutorService worker;
    private final LongSupplier nanos;
    private volatile DeviceState state;
    private volatile Phase phase = new Phase.Idle();
    private DownloadSession download;
    /** A download stopped because the storage refused it (full, read-only): its chunks stay on disk. */
    private Waiting waitingForSpace;
    private long spaceCheckedAt;
    private Deferred deferred;
    private volatile Status lastStatus;
    private long lastStatusAt;
    private boolean trialPending;
    /** Set at start when the active release's image is gone: reported failed, never healthy. */
    private volatile String activeImageMissing;

    public Updater(AgentConfig config, TrustedKeys trust, BankBackend banks, StateStore store, StatusSink sink,
            AppRuntime runtime, Guard guard) {
        this(config, trust, banks, store, new FaultInjector(config.watchdog().injectFault()), sink, runtime, guard);
    }

    private Updater(AgentConfig config, TrustedKeys trust, BankBackend banks, StateStore store, FaultInjector faults,
            StatusSink sink, AppRuntime runtime, Guard guard) {
        this(config, trust, banks, store, new UpdateJournal(store.file().resolveSibling("update.json"),
                faults::afterJournaled), sink, runtime, guard,
                Executors.newSingleThreadExecutor(Thread.ofPlatform().name("reizi-update").daemon().factory()),
                System::nanoTime, faults);
    }

    /** With the journal, the worker and the clock given (unit tests drive them). */
    Updater(AgentConfig config, TrustedKeys trust, BankBackend banks, StateStore store, UpdateJournal journal,
            StatusSink sink, AppRuntime runtime, Guard guard, ExecutorService worker, LongSupplier nanos,
            FaultInjector faults) {
        this.config = config;
        this.trust = trust;
        this.banks = banks;
        this.policy = new ReleasePolicy(config, banks);
        this.store = store;
        this.journal = journal;
        this.sink = sink;
        this.runtime = runtime;
        this.guard = guard;
        this.faults = faults;
        this.worker = worker;
        this.nanos = nanos;
        this.steps = new UpdateSteps(config, trust, banks, store, runtime, this, faults);
    }

    /** Loads the state, finds where the update stands ({@link Recovery}) and resumes it. */
    public synchronized void start() throws IOException {
        state = store.load();
        Bank pointed = banks.pointedAt();
        if (pointed != state.active() && !(state.trial() && banks.bootloaderDecides())) {
            Log.warn("bank pointer disagrees with the state file; pointing it at bank " + state.active().wire());
            banks.activate(state.active());
        }
        Recovery.Evidence found = evidence(pointed);
        Phase resume = Recovery.resumeAt(journal.entry().phase(), state, found);
        Log.info("active bank " + state.active().wire() + " ver=" + state.activeVer()
                + (state.trial() ? " (on trial)" : "") + "; update " + resume.name().wire()
                + (resume.ver() != 0 ? " ver=" + resume.ver() : ""));
        switch (resume) {
            case Phase.Trial t -> countTrialRestart(t);
            case Phase.Downloading d -> {
                startActiveApp();
                phase = d;
                resumeLeftover();
            }
            case Phase.Idle i -> {
                startActiveApp();
                enter(i);
                if (lastStatus == null && activeImageMissing == null) publish(base(OtaState.IDLE).build());
            }
            default -> {
                // A rollback starts the previous release itself; a commit's release passed its trial already.
                if (resume instanceof Phase.Committing || !state.trial() && !(resume instanceof Phase.RollingBack)) {
                    startActiveApp();
                }
                runOnWorker(resume);
            }
        }
    }

    /** What the inactive bank's files say (signatures checked again: the data dir is trusted no more than the broker). */
    private Recovery.Evidence evidence(Bank pointed) throws IOException {
        Bank bank = state.inactive();
        Optional<Long> download = Optional.empty();
        boolean part = Files.exists(banks.stagingPath(bank)) && !banks.stagingPath(bank).equals(banks.imagePath(bank));
        boolean complete = false;
        Optional<byte[]> cose = Staging.downloadManifest(banks, bank);
        if (cose.isPresent()) {
            try {
                Manifest m = steps.trusted(cose.get());
                download = Optional.of(m.ver());
                if (banks.stagingPath(bank).equals(banks.imagePath(bank))) part = true; // a partition is always there
                complete = Staging.leftover(banks, bank).map(l -> l.durable().cardinality() >= m.count()).orElse(false);
            } catch (Refusal r) {
                Log.warn("dropping leftover download: " + r.getMessage());
                Staging.discard(banks, bank);
            }
        }
        Optional<Long> promoted = Optional.empty();
        Optional<byte[]> installed = Staging.installedManifest(banks, bank);
        if (installed.isPresent()) {
            try {
                Manifest m = steps.trusted(installed.get());
                Release recorded = state.banks().get(bank);
                if (recorded == null || recorded.ver() != m.ver() || !recorded.hash().equals(m.hash())) {
                    promoted = Optional.of(m.ver());
                }
            } catch (Refusal r) {
                Log.warn("the manifest in bank " + bank.wire() + " does not verify: " + r.getMessage());
            }
        }
        Optional<Bank> fellBack = banks.bootloaderDecides() && pointed != state.active() ? Optional.of(pointed)
                : Optional.empty();
        return new Recovery.Evidence(download, part, complete, promoted, fellBack);
    }

    /** Hosts the active release if it is a jar or exec; an active release without its image is reported failed. */
    private void startActiveApp() {
        Optional<Release> active = state.activeRelease();
        if (active.isPresent() && !Files.exists(banks.imagePath(state.active()))) {
            activeImageMissing = "the image of the active release ver " + active.get().ver() + " is missing ("
                    + banks.imagePath(state.active()) + "): it does not run; install a newer release";
            Log.error(activeImageMissing);
            publish(base(OtaState.FAILED).release(active.get()).error(ErrorCode.IMAGE_HASH_MISMATCH, activeImageMissing)
                    .build());
            return;
        }
        Optional<AppRelease> app = UpdateSteps.appIn(state, banks, state.active());
        if (app.isEmpty()) return;
        try {
            runtime.start(app.get(), Optional.empty());
        } catch (AppFailure e) {
            Log.error("the active release does not start: " + e.getMessage());
        }
    }

    public synchronized DeviceState deviceState() {
        return state;
    }

    @Override
    public DeviceState state() {
        return state;
    }

    @Override
    public synchronized void state(DeviceState next) {
        state = next;
    }

    @Override
    public UpdateJournal journal() {
        return journal;
    }

    /** The phase the update is in (for tests and the CLI). */
    Phase phase() {
        return phase;
    }

    /** The status to show while the agent recovers from a panic; lock-free, the panic may hold the lock. */
    public Status recoveringStatus(String detail) {
        Status last = lastStatus;
        StatusBuilder b = new StatusBuilder(config.id(), OtaState.RECOVERING, state, guard).detail(detail);
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
            closeQuietly(download);
            download = null;
        }
        if (phase instanceof Phase.Downloading) resumeLeftover();
        if (download == null && lastStatus != null) publish(lastStatus.withTs(System.currentTimeMillis()));
    }

    /** Crash-loop escalation: stop retrying the update in progress, keep the active release. */
    public synchronized void abandonUpdate(String why) throws IOException {
        if (phase.onWorker()) {
            Log.warn("crash loop during " + phase.name().wire() + ": the phase finishes (it ends in a status by itself)");
            return;
        }
        Optional<byte[]> cose = Staging.downloadManifest(banks, state.inactive());
        ManifestCodec.Identity release = cose.map(Updater::identify)
                .orElse(new ManifestCodec.Identity(Optional.empty(), Optional.empty(), Optional.empty()));
        if (download != null) {
            download.close();
            download = null;
        }
        waitingForSpace = null;
        Staging.discard(banks, state.inactive());
        if (release.ver().isPresent()) {
            state = state.refuse(release.ver().get());
            store.save(state);
        }
        enter(new Phase.Idle());
        Log.error("update" + release.ver().map(v -> " of ver=" + v).orElse("") + " abandoned: " + why);
        publish(base(OtaState.FAILED).release(release).error(ErrorCode.HEALTH_CHECK_FAILED, why).build());
    }

    /** After every (re)connect: say where we are; while downloading, that is the current need. */
    public synchronized void onConnected() {
        if (download != null) publishNeed(download, download.transfer.need());
        else if (lastStatus != null) publish(lastStatus.withTs(System.currentTimeMillis()));
    }

    public synchronized void onManifest(String topic, byte[] payload) {
        if (payload.length == 0) {
            withdrawn(topic);
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
        if (busy()) {
            if (manifest.ver() == phase.ver()) {
                Log.info("manifest ver=" + manifest.ver() + " again while " + phase.name().wire() + ": answering with where it is");
                if (lastStatus != null) publish(lastStatus.withTs(System.currentTimeMillis()));
            } else {
                Log.info("manifest ver=" + manifest.ver() + " waits: ver=" + phase.ver() + " is " + phase.name().wire());
                deferred = new Deferred(topic, payload);
            }
            return;
        }
        if (download != null && Arrays.equals(envelope.payload(), download.manifestPayload)) {
            Log.info("manifest ver=" + manifest.ver() + " again: answering with the current need");
            publishNeed(download, download.transfer.need());
            return;
        }
        if (waitingForSpace != null && Arrays.equals(envelope.payload(), waitingForSpace.payload())) {
            Log.info("manifest ver=" + manifest.ver() + " again: taking the download up where it stopped");
            waitingForSpace = null;
            resumeLeftover();
            return;
        }
        if (answeredFromHistory(manifest)) return;
        try {
            policy.check(manifest, state, System.currentTimeMillis() / 1000);
            accept(topic, payload, envelope.payload(), manifest);
        } catch (Refusal r) {
            refuse(identity(manifest), r);
        } catch (IOException e) {
            StorageFailure f = StorageFailure.of(StorageFailure.Step.STORING, "cannot prepare bank "
                    + state.inactive().wire() + " for ver " + manifest.ver(), e);
            abandonDownload();
            enterQuietly(new Phase.Idle());
            Log.error(f.detail());
            publish(base(OtaState.FAILED).release(manifest).error(f.code(), f.detail()).build());
        }
    }

    /** The idempotent answers: the active release (committed or on trial), or a release rolled back here. */
    private boolean answeredFromHistory(Manifest manifest) {
        Optional<Release> active = state.activeRelease();
        if (active.isPresent() && active.get().ver() == manifest.ver() && active.get().hash().equals(manifest.hash())) {
            if (activeImageMissing != null) {
                publish(base(OtaState.FAILED).release(manifest).error(ErrorCode.IMAGE_HASH_MISMATCH, activeImageMissing)
                        .build());
            } else if (state.trial()) {
                Log.info("manifest ver=" + manifest.ver() + " is the release on trial");
                publish(base(OtaState.TRIAL).release(manifest).build());
            } else {
                Log.info("manifest ver=" + manifest.ver() + " is the active, committed release");
                publish(base(OtaState.COMMITTED).release(manifest).build());
            }
            return true;
        }
        Optional<UpdateJournal.Rollback> rolledBack = journal.entry().rollbackOf(manifest.ver())
                .filter(r -> state.wasRolledBack(manifest.ver()) && manifest.hash().equals(r.hash()));
        if (rolledBack.isPresent()) {
            // The same release again (e.g. the retained manifest after a reconnect): its rollback's own words.
            Log.info("manifest ver=" + manifest.ver() + " was rolled back here: answering with that rollback");
            publish(base(OtaState.ROLLED_BACK).release(manifest).error(rolledBack.get().code(), rolledBack.get().detail())
                    .build());
            return true;
        }
        return false;
    }

    /** An empty retained manifest: the publisher withdrew it. A download of it (running or waiting) is cancelled. */
    private void withdrawn(String topic) {
        if (deferred != null && deferred.topic().equals(topic)) deferred = null;
        boolean downloading = download != null && download.topic.equals(topic);
        boolean waiting = waitingForSpace != null && waitingForSpace.topic().equals(topic);
        if (!downloading && !waiting) return;
        long ver = downloading ? download.manifest.ver() : waitingForSpace.manifest().ver();
        Log.info("manifest on " + topic + " cleared: cancelling download of ver=" + ver);
        abandonDownload();
        enterQuietly(new Phase.Idle());
        publish(base(OtaState.IDLE).detail("manifest withdrawn by the publisher").build());
    }

    public synchronized void onChunk(byte[] payload) {
        DownloadSession d = download;
        if (d == null) return;
        Chunk chunk;
        try {
            chunk = ChunkCodec.decode(payload);
        } catch (Refusal r) {
            Log.warn("chunk rejected: " + r.getMessage());
            return;
        }
        long now = nanos.getAsLong();
        faults.beforeChunk();
        switch (d.transfer.check(chunk)) {
            case Transfer.Verdict.Accept a -> {
                try {
                    d.write(a.seq(), a.offset(), a.data(), now);
                } catch (IOException e) {
                    storageFailed(d, "cannot write chunk " + a.seq() + " to bank " + state.inactive().wire(), e);
                    return;
                }
                if (d.syncDue(config.syncChunks(), config.syncInterval().toNanos(), now) && !sync(d)) return;
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
            downloaded(d);
        } else if (chunk.seq() == d.manifest.count() - 1 || d.transfer.covers(d.lastNeed)) {
            publishNeed(d, reRequest(d, now));
        }
    }

    /** The timer: batched fsync, stall re-requests, periodic progress, and a look for space when waiting for it. */
    public synchronized void tick() {
        long now = nanos.getAsLong();
        if (waitingForSpace != null && now - spaceCheckedAt >= SPACE_RECHECK.toNanos()) {
            spaceCheckedAt = now;
            if (spaceFor(waitingForSpace.manifest())) {
                Log.info("space in bank " + state.inactive().wire() + " again: taking the download up where it stopped");
                waitingForSpace = null;
                resumeLeftover();
            }
            return;
        }
        DownloadSession d = download;
        if (d == null) return;
        if (d.syncDue(Integer.MAX_VALUE, config.syncInterval().toNanos(), now) && !sync(d)) return;
        Duration stall = "good".equals(guard.net()) || guard.net() == null
                ? config.stallInterval() : config.watchdog().stallIntervalDegraded();
        if (now - d.lastActivityAt >= stall.toNanos()) {
            Log.info("no chunk for " + stall.toMillis() + " ms; asking again");
            guard.stalled();
            publishNeed(d, reRequest(d, now));
        } else if (now - lastStatusAt >= config.statusInterval().toNanos()) {
            publish(progress(d, OtaState.DOWNLOADING).build());
        }
    }

    /**
     * The one place that decides what a re-request (after a stall, or after the last seq) asks for. Today:
     * everything missing. The pacer (ask only for what is overdue) plugs in here.
     */
    private List<Transfer.Range> reRequest(DownloadSession d, long now) {
        return d.transfer.need();
    }

    /** Makes received data durable and stops the hosted release before the process ends. */
    public void shutdown() {
        worker.shutdownNow(); // a trial in progress stays on record: the next start counts it as a restart
        runtime.close();
        synchronized (this) {
            if (download != null) {
                sync(download);
                closeQuietly(download);
            }
        }
    }

    public synchronized boolean trialPending() {
        return trialPending;
    }

    /** Runs the trial that a restart interrupted (called once connected, so its outcome is reported); returns at once. */
    public synchronized void resumeTrial() {
        if (!trialPending) return;
        trialPending = false;
        runOnWorker(new Phase.Trial(state.activeVer(), Phase.TrialStart.RESTARTED));
    }

    /** A restart during a trial counts, like a bootloader's boot counter; past the limit, roll back now. */
    private void countTrialRestart(Phase.Trial t) throws IOException {
        state = state.countTrialRestart();
        store.save(state);
        Release release = state.activeRelease().orElseThrow();
        if (state.trialRestarts() > config.maxTrialRestarts()) {
            runOnWorker(new Phase.RollingBack(t.ver(), ErrorCode.HEALTH_CHECK_FAILED, "restarted " + state.trialRestarts()
                    + " times during the trial of ver=" + release.ver() + " (limit " + config.maxTrialRestarts() + ")"));
        } else {
            Log.info("restarted during the trial of ver=" + release.ver() + " (" + state.trialRestarts() + " of "
                    + config.maxTrialRestarts() + " allowed); the trial runs again once connected");
            enter(t);
            trialPending = true;
            publish(base(OtaState.TRIAL).release(release).build());
        }
    }

    private void accept(String topic, byte[] cose, byte[] manifestPayload, Manifest m) throws IOException {
        if (download != null) {
            Log.info("abandoning download of ver=" + download.manifest.ver() + " for ver=" + m.ver());
            closeQuietly(download);
            download = null;
        }
        waitingForSpace = null;
        enter(new Phase.Downloading(m.ver()));
        state = state.clearInactive();
        store.save(state);
        Staging staging = Staging.start(banks, state.inactive(), cose, m.count());
        download = new DownloadSession(m, manifestPayload, topic, new Transfer(m, new BitSet()), staging, nanos.getAsLong());
        Log.info("manifest accepted: fw=" + m.fw() + " ver=" + m.ver() + " size=" + m.size() + " chunks="
                + m.count() + "x" + m.chunk() + " into bank " + state.inactive().wire());
        publishNeed(download, download.transfer.need());
    }

    /** Takes up the download recorded in the inactive bank from its durable bitmap. */
    private void resumeLeftover() {
        try {
            Optional<Staging.Leftover> leftover = Staging.leftover(banks, state.inactive());
            if (leftover.isEmpty()) {
                enter(new Phase.Idle());
                return;
            }
            Manifest m = steps.trusted(leftover.get().cose());
            Transfer t = new Transfer(m, leftover.get().durable());
            DownloadSession d = new DownloadSession(m, CoseSign1.decode(leftover.get().cose()).payload(),
                    config.manifestTopic(config.id()), t, Staging.resume(banks, state.inactive(), m.count()),
                    nanos.getAsLong());
            download = d;
            phase = new Phase.Downloading(m.ver());
            Log.info("resuming download of ver=" + m.ver() + ": " + t.receivedCount() + "/" + m.count()
                    + " chunks already on disk");
            if (t.complete()) {
                downloaded(d);
                return;
            }
            publishNeed(d, t.need());
        } catch (Refusal r) {
            Log.warn("dropping leftover download: " + r.getMessage());
            try {
                Staging.discard(banks, state.inactive());
            } catch (IOException e) {
                Log.warn("cleaning the leftover download: " + e.getMessage());
            }
            enterQuietly(new Phase.Idle());
        } catch (IOException e) {
            Optional<Manifest> m = Optional.ofNullable(download).map(x -> x.manifest);
            StorageFailure f = StorageFailure.of(StorageFailure.Step.STORING, "cannot reopen the download in bank "
                    + state.inactive().wire(), e);
            Log.error(f.detail());
            publish(base(OtaState.FAILED).release(m.map(Updater::identity).orElse(noRelease())).error(f.code(), f.detail())
                    .build());
        }
    }

    /** False when the sync failed (the download is then set aside). */
    private boolean sync(DownloadSession d) {
        try {
            faults.beforeSync();
            d.sync();
            return true;
        } catch (IOException e) {
            storageFailed(d, "cannot sync the staged image in bank " + state.inactive().wire(), e);
            return false;
        }
    }

    /**
     * The storage failed under the download. Refused (full, read-only): {@code failed}/{@code no_space} now, the
     * chunks on disk kept, and the download taken up again when space returns or the manifest comes again.
     * Any other fault: a panic; recovery takes the download up again from what is on disk.
     */
    private void storageFailed(DownloadSession d, String what, IOException e) {
        StorageFailure f = StorageFailure.of(StorageFailure.Step.STORING, what, e);
        if (f.kind() == StorageFailure.Kind.REFUSED) {
            try {
                d.sync(); // what was written before the refusal is kept (the bitmap file has its size already)
            } catch (IOException again) {
                Log.warn("cannot sync the chunks written so far: " + again.getMessage());
            }
        }
        closeQuietly(d);
        download = null;
        if (f.kind() == StorageFailure.Kind.FAULT) {
            guard.panic(f.detail(), e);
            return;
        }
        waitingForSpace = new Waiting(d.manifest, d.manifestPayload, d.topic);
        spaceCheckedAt = nanos.getAsLong();
        Log.error(f.detail() + "; " + d.transfer.receivedCount() + " chunks kept, waiting for space");
        publish(progress(d, OtaState.FAILED).error(f.code(), f.detail() + "; the chunks on disk are kept and the download"
                + " goes on when space returns or the manifest is sent again").build());
    }

    /** Room for what is still missing, on a file system that takes writes. */
    private boolean spaceFor(Manifest m) {
        try {
            FileStore store = Files.getFileStore(banks.bankDir(state.inactive()));
            long missing = m.size() - Staging.leftover(banks, state.inactive())
                    .map(l -> (long) l.durable().cardinality() * m.chunk()).orElse(0L);
            return !store.isReadOnly() && store.getUsableSpace() > Math.max(0, missing);
        } catch (IOException e) {
            return false;
        }
    }

    /** Every chunk is on disk: make it durable and hand it to the worker. */
    private void downloaded(DownloadSession d) {
        if (!sync(d)) return;
        closeQuietly(d);
        download = null;
        runOnWorker(new Phase.Verifying(d.manifest.ver()));
    }

    /** True while the worker owns the update (verify to rollback, or a trial waiting for a restart or reboot). */
    private boolean busy() {
        return !(phase instanceof Phase.Idle) && !(phase instanceof Phase.Downloading) || trialPending;
    }

    /** Journals {@code first} and runs the worker phases from it; returns at once. */
    private void runOnWorker(Phase first) {
        try {
            enter(first);
        } catch (IOException e) {
            if (!(first instanceof Phase.RollingBack)) {
                reportJournalFailure(first, e);
                return;
            }
            phase = first; // a rollback goes on even when it cannot be journaled
            Log.warn("cannot journal the rollback: " + e.getMessage());
        }
        worker.execute(() -> drive(first));
    }

    /** The worker: step after step until a phase that waits for something else; each phase journaled first. */
    private void drive(Phase first) {
        Phase p = first;
        while (p.onWorker() && !Thread.currentThread().isInterrupted()) {
            Phase next;
            try {
                next = steps.step(p);
            } catch (RuntimeException | Error t) {
                if (t instanceof VirtualMachineError vme && !(t instanceof StackOverflowError)) throw vme;
                next = steps.afterThrow(p, t);
            }
            if (Thread.currentThread().isInterrupted()) return; // stopping: the journal keeps the phase
            try {
                enter(next);
            } catch (IOException e) {
                if (next instanceof Phase.RollingBack) {
                    Log.warn("cannot journal the rollback: " + e.getMessage());
                    phase = next;
                } else {
                    reportJournalFailure(next, e);
                    next = new Phase.Idle();
                    phase = next;
                }
            }
            p = next;
        }
        takeUpDeferred();
    }

    private synchronized void reportJournalFailure(Phase next, IOException e) {
        StorageFailure.Step step = switch (next) {
            case Phase.Verifying v -> StorageFailure.Step.VERIFYING;
            case Phase.Staged s -> StorageFailure.Step.VERIFYING;
            case Phase.Downloading d -> StorageFailure.Step.STORING;
            default -> StorageFailure.Step.SWITCHING;
        };
        StorageFailure f = StorageFailure.of(step, "cannot record the " + next.name().wire() + " phase of ver "
                + next.ver(), e);
        Log.error(f.detail());
        phase = new Phase.Idle();
        publish(base(OtaState.FAILED).release(state.activeRelease().filter(r -> r.ver() == next.ver()).orElse(null),
                next.ver()).error(f.code(), f.detail()).build());
    }

    /** A manifest that came while the worker was busy, now that it is idle. */
    private synchronized void takeUpDeferred() {
        if (!(phase instanceof Phase.Idle) || deferred == null) return;
        Deferred d = deferred;
        deferred = null;
        onManifest(d.topic(), d.payload());
    }

    /** Journals {@code next} before anything that depends on it happens. */
    private synchronized void enter(Phase next) throws IOException {
        if (!next.equals(journal.entry().phase())) journal.enter(next);
        phase = next;
    }

    private void enterQuietly(Phase next) {
        try {
            enter(next);
        } catch (IOException e) {
            Log.warn("cannot journal the " + next.name().wire() + " phase: " + e.getMessage());
            phase = next;
        }
    }

    private void refuse(ManifestCodec.Identity release, Refusal r) {
        Log.warn("manifest" + release.ver().map(v -> " ver=" + v).orElse("") + " refused: " + r.code().wire()
                + ": " + r.getMessage());
        publish(base(OtaState.FAILED).release(release).error(r.code(), r.getMessage()).build());
        if (download != null) publishNeed(download, download.transfer.need());
    }

    private static ManifestCodec.Identity identity(Manifest m) {
        return new ManifestCodec.Identity(Optional.of(m.fw()), Optional.of(m.ver()), m.label());
    }

    private static ManifestCodec.Identity noRelease() {
        return new ManifestCodec.Identity(Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Names the release of a manifest that failed before it could be trusted (best effort). */
    private static ManifestCodec.Identity identify(byte[] cose) {
        try {
            return ManifestCodec.identify(CoseSign1.decode(cose).payload());
        } catch (Refusal notCose) {
            return noRelease();
        }
    }

    private void abandonDownload() {
        waitingForSpace = null;
        if (download != null) closeQuietly(download);
        download = null;
        try {
            Staging.discard(banks, state.inactive());
        } catch (IOException e) {
            Log.warn("cleaning the abandoned download: " + e.getMessage());
        }
    }

    private static void closeQuietly(DownloadSession d) {
        try {
            d.close();
        } catch (IOException e) {
            Log.warn("closing the staged image: " + e.getMessage());
        }
    }

    private void publishNeed(DownloadSession d, List<Transfer.Range> need) {
        d.lastNeed = need;
        d.lastActivityAt = nanos.getAsLong();
        publish(progress(d, OtaState.DOWNLOADING).need(Status.wire(need)).build());
    }

    @Override
    public synchronized void publish(Status s) {
        if (lastStatus == null || !lastStatus.state().equals(s.state())) {
            Log.info("status " + s.state() + (s.ver() != null ? " ver=" + s.ver() : "")
                    + (s.error() != null ? " error=" + s.error() : ""));
        }
        lastStatus = s;
        lastStatusAt = nanos.getAsLong();
        sink.publish(s);
    }

    @Override
    public StatusBuilder status(OtaState s) {
        return base(s);
    }

    private StatusBuilder base(OtaState s) {
        return new StatusBuilder(config.id(), s, state, guard);
    }

    private StatusBuilder progress(DownloadSession d, OtaState s) {
        Transfer t = d.transfer;
        return base(s).release(d.manifest).progress(t.receivedCount(), d.manifest.count(), t.receivedBytes(),
                (double) t.receivedCount() / d.manifest.count(), d.rateBps(nanos.getAsLong()));
    }
}
