package io.reizi.agent;

import io.reizi.ota.wire.Bank;
import io.reizi.ota.bank.BankBackend;
import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.bank.Release;
import io.reizi.ota.bank.Staging;
import io.reizi.ota.bank.StateStore;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.crypto.TrustedKeys;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Refusal;
import io.reizi.ota.wire.Sha256;
import io.reizi.ota.wire.Status;
import io.reizi.runtime.AppFailure;
import io.reizi.runtime.AppRelease;
import io.reizi.runtime.AppRuntime;
import io.reizi.watchdog.NetworkHealth;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
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
        /** The link's health now. */
        NetworkHealth.Net net();

        /** The watchdog timeout in force, in ms; null without a watchdog. */
        Long wdtMs();

        void stalled();

        /**
         * A long step of the pipeline is making progress (the delta fill copies hundreds of MB on its own thread,
         * taking the update's lock for each write, and says so with the lock held): the heartbeat is fed.
         */
        void progressing();

        void panic(String cause, Throwable error);
    }

    /** A manifest that arrived while the worker was busy: taken up once the update is idle again (latest wins). */
    private record Deferred(String topic, byte[] payload) {}

    private static final String INDEX_SUFFIX = "/index";

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
    private final Downloader downloads;
    private Deferred deferred;
    private final HeldIndexes indexes;
    /** A manifest whose chunk index has not arrived: nothing is written, nothing asked for until it does. */
    private Deferred awaitingIndex;
    private volatile Status lastStatus;
    private long lastStatusAt;
    private boolean trialPending;
    /** Set at start when the active release's image is gone: reported failed, never healthy. */
    private volatile String activeImageMissing;

    public Updater(AgentConfig config, TrustedKeys trust, BankBackend banks, StateStore store, StatusSink sink,
            AppRuntime runtime, Guard guard) {
        this(config, trust, banks, store, new FaultInjector(config.injectFault()), sink, runtime, guard);
    }

    private Updater(AgentConfig config, TrustedKeys trust, BankBackend banks, StateStore store, FaultInjector faults,
            StatusSink sink, AppRuntime runtime, Guard guard) {
        this(config, trust, banks, store, new UpdateJournal(store.file().resolveSibling("update.json"),
                faults::afterJournaled), sink, runtime, guard,
                Executors.newSingleThreadExecutor(Thread.ofPlatform().name("reizi-update").daemon().factory()),
                System::nanoTime, faults, UpdateSteps.TRIAL_SLACK);
    }

    /** With the journal, the worker and the clock given (unit tests drive them). */
    Updater(AgentConfig config, TrustedKeys trust, BankBackend banks, StateStore store, UpdateJournal journal,
            StatusSink sink, AppRuntime runtime, Guard guard, ExecutorService worker, LongSupplier nanos,
            FaultInjector faults, Duration trialSlack) {
        this.config = config;
        this.trust = trust;
        this.banks = banks;
        this.policy = new ReleasePolicy(config.acceptance(), banks);
        this.indexes = new HeldIndexes(policy);
        this.store = store;
        this.journal = journal;
        this.sink = sink;
        this.runtime = runtime;
        this.guard = guard;
        this.faults = faults;
        this.worker = worker;
        this.nanos = nanos;
        this.steps = new UpdateSteps(config, trust, banks, store, runtime, this, faults, trialSlack);
        this.downloads = new Downloader(config, banks, guard, faults, nanos, new DownloadHost());
    }

    /** Loads the state, finds where the update stands ({@link Recovery}) and resumes it. */
    public synchronized void start() throws IOException {
        state = store.load();
        Bank pointed = banks.pointedAt();
        if (pointed != state.active() && !(state.trial() && banks.bootloaderDecides())) {
            Log.warn("bank pointer disagrees with the state file; pointing it at bank " + state.active().wire());
            banks.activate(state.active());
        }
        Recovery.Evidence found = BankFiles.read(banks, state, pointed, steps);
        Phase resume = Recovery.resumeAt(journal.entry().phase(), state, found);
        Log.info("active bank " + state.active().wire() + " ver=" + state.activeVer()
                + (state.trial() ? " (on trial)" : "") + "; update " + resume.name().wire()
                + (resume.ver() != 0 ? " ver=" + resume.ver() : ""));
        // instanceof, not a pattern switch: the switch's bootstrap spins a class on the start path (see Phase#name).
        if (resume instanceof Phase.Trial t) {
            countTrialRestart(t);
        } else if (resume instanceof Phase.Downloading d) {
            startActiveApp();
            phase = d;
            downloads.resume();
        } else if (resume instanceof Phase.Idle i) {
            startActiveApp();
            enter(i);
            if (lastStatus == null && activeImageMissing == null) publish(base(OtaState.IDLE).build());
        } else {
            // A rollback starts the previous release itself; a commit's release passed its trial already.
            if (resume instanceof Phase.Committing || !state.trial() && !(resume instanceof Phase.RollingBack)) {
                startActiveApp();
            }
            runOnWorker(resume);
        }
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
        indexes.spend(next);
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
        downloads.close();
        if (phase instanceof Phase.Downloading) downloads.resume();
        if (!downloads.active() && lastStatus != null) publish(lastStatus.withTs(System.currentTimeMillis()));
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
        downloads.cancel();
        if (release.ver().isPresent()) {
            state = state.refuse(release.ver().get());
            store.save(state);
        }
        enter(new Phase.Idle());
        Log.error("update" + release.ver().map(v -> " of ver=" + v).orElse("") + " abandoned: " + why);
        publish(base(OtaState.FAILED).release(release).error(ErrorCode.HEALTH_CHECK_FAILED, why).build());
    }

    /**
     * After every (re)connect: say where we are. A download says its progress but does not ask again: the
     * broker holds what was queued for the persistent session and delivers it now; whatever is still missing
     * once the link has been seen to carry is asked for by the stall timer ({@link Downloader#tick}).
     */
    public synchronized void onConnected() {
        downloads.linkUp();
        if (downloads.active()) downloads.publishProgress();
        else if (lastStatus != null) publish(lastStatus.withTs(System.currentTimeMillis()));
    }

    /** The broker acknowledged a status: the link carries both ways. */
    public synchronized void onStatusDelivered() {
        downloads.linkCarries();
    }

    /** The link went down: chunks queued for the session are not overdue while it is. */
    public synchronized void onDisconnected() {
        downloads.linkDown();
    }

    /** A manifest, or the chunk index that the link hands in beside it (its {@code /index} topic). */
    public synchronized void onManifest(String topic, byte[] payload) {
        if (topic.endsWith(INDEX_SUFFIX)) {
            onIndex(topic, payload);
            return;
        }
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
        if (downloads.isCurrent(envelope.payload())) {
            Log.info("manifest ver=" + manifest.ver() + " again: answering with the current need");
            downloads.publishNeed();
            return;
        }
        if (downloads.isWaiting(envelope.payload())) {
            Log.info("manifest ver=" + manifest.ver() + " again: taking the download up where it stopped");
            downloads.resume();
            return;
        }
        if (answeredFromHistory(manifest)) return;
        try {
            policy.check(manifest, state, System.currentTimeMillis() / 1000);
            Optional<Downloader.VerifiedIndex> index = Optional.empty();
            if (manifest.index().isPresent()) {
                Optional<HeldIndexes.Held> held = indexes.forManifest(stem(topic), manifest);
                if (held.isEmpty()) {
                    awaitIndex(topic, payload, manifest);
                    return;
                }
                // checked before anything is written, with the hash computed on arrival
                index = Optional.of(HeldIndexes.verified(manifest, held.get()));
            }
            accept(topic, payload, envelope.payload(), manifest, index);
        } catch (Refusal r) {
            refuse(identity(manifest), r);
        } catch (IOException e) {
            StorageFailure f = StorageFailure.of(StorageFailure.Step.STORING, "cannot prepare bank "
                    + state.inactive().wire() + " for ver " + manifest.ver(), e);
            downloads.cancel();
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

    /**
     * A chunk index (contract 1.1), retained on the firmware topic beside the manifest; it may come before or
     * after the manifest that names it. Held by topic; a manifest or a download taken up from disk that waits
     * for it goes on.
     */
    private void onIndex(String topic, byte[] payload) {
        String stem = stem(topic);
        if (payload.length == 0) {
            indexes.remove(stem);
            return;
        }
        byte[] sha = Sha256.digest(payload); // once: the download and a waiting manifest use it
        indexes.put(stem, payload, Sha256.text(sha), state);
        downloads.indexArrived(payload, sha);
        if (awaitingIndex != null && stem(awaitingIndex.topic()).equals(stem)) {
            Deferred d = awaitingIndex;
            awaitingIndex = null;
            onManifest(d.topic(), d.payload());
        }
    }

    private void awaitIndex(String topic, byte[] payload, Manifest m) {
        awaitingIndex = new Deferred(topic, payload);
        Log.info("manifest ver=" + m.ver() + " names the chunk index " + m.index().orElseThrow() + ": waiting for it on "
                + stem(topic) + INDEX_SUFFIX);
        publish(base(OtaState.DOWNLOADING).release(m).need(List.of()).detail(Downloader.waitingForIndex(m)).build());
    }

    /** The firmware topic without its last level ({@code ota/firmware/dev1}). */
    private static String stem(String topic) {
        return topic.substring(0, topic.lastIndexOf('/'));
    }

    /** An empty retained manifest: the publisher withdrew it. A download of it (running or waiting) is cancelled. */
    private void withdrawn(String topic) {
        if (deferred != null && deferred.topic().equals(topic)) deferred = null;
        if (awaitingIndex != null && awaitingIndex.topic().equals(topic)) {
            awaitingIndex = null;
            publish(base(OtaState.IDLE).detail("manifest withdrawn by the publisher").build());
        }
        Optional<Long> ver = downloads.fromTopic(topic);
        if (ver.isEmpty()) return;
        Log.info("manifest on " + topic + " cleared: cancelling download of ver=" + ver.get());
        downloads.cancel();
        enterQuietly(new Phase.Idle());
        publish(base(OtaState.IDLE).detail("manifest withdrawn by the publisher").build());
    }

    public synchronized void onChunk(byte[] payload) {
        downloads.onChunk(payload);
    }

    /** The timer: batched fsync, stall re-requests, periodic progress, a look for space when waiting for it. */
    public synchronized void tick() {
        downloads.tick();
    }

    /** Makes received data durable and stops the hosted release before the process ends. */
    public void shutdown() {
        worker.shutdownNow(); // a trial in progress stays on record: the next start counts it as a restart
        runtime.close();
        synchronized (this) {
            downloads.shutdown();
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
        if (state.trialRestarts() > config.trial().maxRestarts()) {
            runOnWorker(new Phase.RollingBack(t.ver(), ErrorCode.HEALTH_CHECK_FAILED, "restarted " + state.trialRestarts()
                    + " times during the trial of ver=" + release.ver() + " (limit " + config.trial().maxRestarts() + ")"));
        } else {
            Log.info("restarted during the trial of ver=" + release.ver() + " (" + state.trialRestarts() + " of "
                    + config.trial().maxRestarts() + " allowed); the trial runs again once connected");
            enter(t);
            trialPending = true;
            publish(base(OtaState.TRIAL).release(release).build());
        }
    }

    private void accept(String topic, byte[] cose, byte[] manifestPayload, Manifest m,
            Optional<Downloader.VerifiedIndex> index)
            throws IOException {
        awaitingIndex = null;
        downloads.close();
        enter(new Phase.Downloading(m.ver()));
        state = state.clearInactive();
        store.save(state);
        downloads.start(topic, cose, manifestPayload, m, index);
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
                // The fsync happens outside the lock: the MQTT threads never wait for the worker's disk.
                if (!next.equals(journal.entry().phase())) journal.enter(next);
                setPhase(next);
            } catch (IOException e) {
                // Stopping interrupts the worker, which closes the journal's channel mid-write: not a storage fault.
                if (e instanceof java.nio.channels.ClosedByInterruptException || Thread.currentThread().isInterrupted()) return;
                if (next instanceof Phase.RollingBack) {
                    Log.warn("cannot journal the rollback: " + e.getMessage());
                    setPhase(next);
                } else {
                    reportJournalFailure(next, e);
                    next = new Phase.Idle();
                }
            }
            if (next instanceof Phase.Trial t && t.start() == Phase.TrialStart.AFTER_REBOOT) steps.requestReboot();
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

    private synchronized void setPhase(Phase next) {
        phase = next;
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
        downloads.publishNeed();
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

    @Override
    public synchronized void publish(Status s) {
        if (lastStatus == null || lastStatus.state() != s.state()) {
            Log.info("status " + s.state().wire() + (s.ver() != null ? " ver=" + s.ver() : "")
                    + (s.error() != null ? " error=" + s.error().wire() : ""));
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


    /** The machine as the download sees it. */
    private final class DownloadHost implements Downloader.Host {
        @Override
        public DeviceState state() {
            return state;
        }

        @Override
        public StatusBuilder status(OtaState s) {
            return base(s);
        }

        @Override
        public void publish(Status s) {
            Updater.this.publish(s);
        }

        @Override
        public long lastStatusAt() {
            return lastStatusAt;
        }

        @Override
        public void downloading(long ver) {
            phase = new Phase.Downloading(ver);
        }

        @Override
        public void nothingLeft() {
            enterQuietly(new Phase.Idle());
        }

        @Override
        public void downloaded(long ver) {
            runOnWorker(new Phase.Verifying(ver));
        }

        @Override
        public Manifest trusted(byte[] cose) throws Refusal {
            return steps.trusted(cose);
        }

        @Override
        public Optional<byte[]> heldIndex(Manifest m) {
            return indexes.published(m);
        }

        @Override
        public Object lock() {
            return Updater.this;
        }
    }
}
