package io.reizi.agent;

import io.reizi.ota.wire.Bank;
import io.reizi.ota.bank.BankBackend;
import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.bank.Staging;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.transfer.RequestPacer;
import io.reizi.ota.transfer.Transfer;
import io.reizi.ota.wire.Chunk;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.ChunkIndexCodec;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.Sha256;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Refusal;
import io.reizi.ota.wire.Status;
import io.reizi.watchdog.NetworkHealth;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The downloading phase, on the MQTT thread: chunk writes (the back-pressure), batched syncs, re-requests,
 * progress, and a download the storage refused that waits for space. Called under the {@link Updater}'s lock.
 * The chunk fill runs on a thread of its own ({@link #fillThenAsk}) so that the link is served meanwhile; it
 * takes the lock ({@link Host#lock}) for each write and at its end.
 */
final class Downloader {
    /** What the download needs from the machine around it. */
    interface Host {
        DeviceState state();

        StatusBuilder status(OtaState state);

        void publish(Status status);

        /** When the latest status went out (nanoTime of the injected clock). */
        long lastStatusAt();

        /** The download of {@code ver} is (again) the update in progress, as journaled already. */
        void downloading(long ver);

        /** No download is left to take up. */
        void nothingLeft();

        /** Every chunk is durable: the worker takes over. */
        void downloaded(long ver);

        Manifest trusted(byte[] cose) throws Refusal;

        /** The chunk index held (from its retained topic) whose bytes hash to the manifest's {@code index}. */
        Optional<byte[]> heldIndex(Manifest m);

        /** The update's lock, which every call into the downloader holds: the chunk fill's thread takes it to write. */
        Object lock();
    }

    /**
     * A chunk index as published and as decoded, already checked against the manifest that names it. One copy:
     * the decoded index reads its checksums from the published bytes.
     */
    record VerifiedIndex(byte[] published, ChunkIndex index) {}

    /** A download the storage refused (full, read-only): its chunks stay on disk until it is taken up again. */
    private record Waiting(Manifest manifest, byte[] payload, String topic) {}

    /** How often a download that ran out of space looks for space again. */
    static final Duration SPACE_RECHECK = Duration.ofSeconds(5);
    /** When the broker last acknowledged a status (injected clock): the latest proof that the link carries. */
    private long linkCarriedAt = Long.MIN_VALUE / 2;
    private final AgentConfig config;
    private final BankBackend banks;
    private final Updater.Guard guard;
    private final FaultInjector faults;
    private final LongSupplier nanos;
    private final Host host;
    private DownloadSession session;
    private Waiting waiting;
    private long spaceCheckedAt;

    Downloader(AgentConfig config, BankBackend banks, Updater.Guard guard, FaultInjector faults, LongSupplier nanos,
            Host host) {
        this.config = config;
        this.banks = banks;
        this.guard = guard;
        this.faults = faults;
        this.nanos = nanos;
        this.host = host;
    }

    boolean active() {
        return session != null;
    }

    /** The signed manifest's payload is the one being downloaded. */
    boolean isCurrent(byte[] manifestPayload) {
        return session != null && Arrays.equals(manifestPayload, session.manifestPayload);
    }

    boolean isWaiting(byte[] manifestPayload) {
        return waiting != null && Arrays.equals(manifestPayload, waiting.payload());
    }

    /** The ver downloading or waiting for space from {@code topic}, if any. */
    Optional<Long> fromTopic(String topic) {
        if (session != null && session.topic.equals(topic)) return Optional.of(session.manifest.ver());
        if (waiting != null && waiting.topic().equals(topic)) return Optional.of(waiting.manifest().ver());
        return Optional.empty();
    }

    /** A new download into the inactive bank (the phase is journaled and the bank cleared in the state already). */
    void start(String topic, byte[] cose, byte[] manifestPayload, Manifest m, Optional<VerifiedIndex> index)
            throws IOException {
        close();
        waiting = null;
        Staging staging = Staging.start(banks, host.state().inactive(), cose, m.count());
        if (index.isPresent()) Staging.saveIndex(banks, host.state().inactive(), index.get().published());
        session = new DownloadSession(m, manifestPayload, topic,
                new Transfer(m, new BitSet(), index.map(VerifiedIndex::index)), pacer(m), staging,
                Staging.reusedFile(banks, host.state().inactive()), new BitSet(), nanos);
        Log.info("manifest accepted: fw=" + m.fw() + " ver=" + m.ver() + " size=" + m.size() + " chunks="
                + m.count() + "x" + m.chunk() + " into bank " + host.state().inactive().wire()
                + (index.isPresent() ? " with its chunk index" : ""));
        fillThenAsk(session);
    }

    /**
     * The chunk index arrived (retained, on a firmware topic; {@code sha256} of its bytes computed once, on
     * arrival): a download taken up from disk that waits for it checks it against its manifest, fills and asks
     * for the rest.
     */
    void indexArrived(byte[] published, byte[] sha256) {
        DownloadSession d = session;
        if (d == null || !d.awaitingIndex()
                || !MessageDigest.isEqual(sha256, Sha256.parse(d.manifest.index().orElseThrow()))) {
            return;
        }
        try {
            d.useIndex(ChunkIndexCodec.decodeFor(d.manifest, published, sha256));
            Staging.saveIndex(banks, host.state().inactive(), published);
        } catch (IOException e) {
            Log.warn("cannot keep the chunk index with the download (a restart waits for it again): " + e.getMessage());
        } catch (Refusal r) {
            Log.warn("download of ver=" + d.manifest.ver() + " dropped: " + r.getMessage());
            cancel();
            host.nothingLeft();
            host.publish(host.status(OtaState.FAILED).release(d.manifest).error(r.code(), r.getMessage()).build());
            return;
        }
        Log.info("chunk index of ver=" + d.manifest.ver() + " arrived and matches the manifest");
        fillThenAsk(d);
    }

    /**
     * Before the first need of a download with its chunk index: fill what the device already holds, durable
     * before it is counted, then ask for the rest (or finish). The fill runs on a thread of its own, so that
     * the link is served meanwhile (keep-alive, acknowledgements, other messages); until it ends nothing is
     * asked for (asking would fetch what the fill is about to copy), chunks that arrive are written as usual,
     * and a download closed or replaced meanwhile stops it. Without an index, or while it is awaited, this only
     * asks (the need of a download waiting for its index is empty).
     */
    private void fillThenAsk(DownloadSession d) {
        Optional<ChunkIndex> index = d.transfer.index();
        if (index.isEmpty() || d.transfer.complete()) {
            askOrFinish(d);
            return;
        }
        List<ChunkFill.Source> sources;
        try {
            sources = fillSources();
        } catch (IOException e) {
            storageFailed(d, "cannot look for chunks to fill into bank " + host.state().inactive().wire(), e);
            return;
        }
        BitSet wanted = new BitSet();
        wanted.set(0, d.manifest.count());
        wanted.andNot(d.transfer.receivedSet());
        d.filling = true;
        d.lastActivityAt = nanos.getAsLong();
        Thread.ofPlatform().name("reizi-fill").daemon().start(() -> fill(d, index.get(), sources, wanted));
    }

    /** The fill's thread: scans and copies without the lock, takes it for each write and at the end. */
    private void fill(DownloadSession d, ChunkIndex index, List<ChunkFill.Source> sources, BitSet wanted) {
        // The chunk index just arrived: megabytes (one array since paho-patched's MqttInputStream; the released
        // Paho made three, and the decoder makes none), near the size of the young generation, so what of it is
        // garbage by now was likely promoted and would hold old-generation pages until a full collection comes by
        // chance. One now returns them before the fill and the stream add their own (docs/benchmarks.md, "Delta
        // updates": peak RSS; not measured again without the copies). Made here,
        // without the lock, not in the MQTT callback: the collection stops every thread for its few milliseconds
        // either way, but the callback no longer waits for it with the update's lock held.
        System.gc();
        Object lock = host.lock();
        ChunkFill.Target target = new ChunkFill.Target() {
            @Override
            public ChunkFill.Copy fill(int seq, byte[] data) throws IOException {
                faults.fillingChunk();
                synchronized (lock) {
                    if (session != d) return ChunkFill.Copy.STOP;
                    // Fed with the lock held, which is what the timer's beat proves too: the scan, which holds no
                    // lock, leaves the timer free to beat and must not hide a stuck one.
                    guard.progressing();
                    return d.fill(seq, data) ? ChunkFill.Copy.WRITTEN : ChunkFill.Copy.ALREADY_RECEIVED;
                }
            }

            @Override
            public boolean durable(int filled) throws IOException {
                synchronized (lock) {
                    if (session != d) return false;
                    faults.beforeSync();
                    d.sync();
                }
                faults.afterFilled(filled);
                return true;
            }
        };
        ChunkFill.Cost cost;
        try {
            cost = ChunkFill.run(d.manifest, wanted, index, sources, config.transfer().syncChunks(), target, d::closed);
        } catch (ChunkFill.Stopped stopped) {
            Log.info("chunk fill of ver=" + d.manifest.ver() + " stopped: its download was closed or replaced");
            return;
        } catch (IOException e) {
            synchronized (lock) {
                if (session == d) storageFailed(d, "cannot fill chunks into bank " + host.state().inactive().wire(), e);
            }
            return;
        } catch (RuntimeException e) {
            guard.panic("chunk fill of ver=" + d.manifest.ver() + " failed", e); // recovery takes the download up from disk
            return;
        }
        synchronized (lock) {
            if (session != d) return;
            d.filling = false;
            // Records the reused chunks the fill's last checkpoint left unrecorded; a fill that found nothing has
            // nothing to sync (the first fsync of such a download is then its first chunks', as without an index).
            if (d.hasUnsynced() && !sync(d)) return;
            Log.info("filled " + cost.chunks() + " of " + d.manifest.count() + " chunks (" + cost.bytes() + " bytes) from"
                    + " what the device holds: scanned " + cost.scannedBytes() + " bytes in " + cost.scanMs()
                    + " ms, copied in " + cost.copyMs() + " ms; " + d.transfer.receivedCount() + " chunks on disk");
            askOrFinish(d);
        }
    }

    private void askOrFinish(DownloadSession d) {
        if (d.transfer.complete()) {
            finish(d);
            return;
        }
        publishNeed(d, d.transfer.need());
    }

    /**
     * The index held from its topic, else the one kept with the download (a restart need not wait for it);
     * either hashes to the manifest's {@code index} (checked by the host on arrival, or here). The held one
     * first: the host keeps it anyway, and reading the saved one too would hold the index twice.
     */
    private Optional<byte[]> heldOrSavedIndex(Manifest m) throws IOException {
        Optional<byte[]> held = host.heldIndex(m);
        if (held.isPresent()) return held;
        byte[] named = Sha256.parse(m.index().orElseThrow());
        return Staging.savedIndex(banks, host.state().inactive()).filter(i -> MessageDigest.isEqual(Sha256.digest(i), named));
    }

    /** Where a download may find chunks: the active release, then what the inactive bank holds already. */
    private List<ChunkFill.Source> fillSources() throws IOException {
        Bank active = host.state().active();
        Bank inactive = host.state().inactive();
        return ChunkFill.existing(List.of(
                new ChunkFill.Source("the active release in bank " + active.wire(), banks.imagePath(active),
                        sourceSize(banks.imagePath(active), active)),
                new ChunkFill.Source("the inactive bank " + inactive.wire(), banks.stagingPath(inactive),
                        sourceSize(banks.stagingPath(inactive), inactive))));
    }

    /** A file's size; a partition's is its installed release's, else the bank's capacity. */
    private long sourceSize(Path file, Bank bank) throws IOException {
        if (!Files.exists(file)) return 0;
        if (Files.isRegularFile(file)) return Files.size(file);
        Optional<byte[]> installed = Staging.installedManifest(banks, bank);
        if (installed.isPresent()) {
            try {
                return ManifestCodec.decode(CoseSign1.decode(installed.get()).payload()).size();
            } catch (Refusal unreadable) {
                // the partition as a whole
            }
        }
        return banks.capacity(bank);
    }

    /** Takes up the download recorded in the inactive bank from its durable bitmap. */
    void resume() {
        try {
            Optional<Staging.Leftover> leftover = Staging.leftover(banks, host.state().inactive());
            if (leftover.isEmpty()) {
                waiting = null;
                host.nothingLeft();
                return;
            }
            Manifest m = host.trusted(leftover.get().cose());
            Optional<byte[]> held = m.index().isPresent() ? heldOrSavedIndex(m) : Optional.empty();
            // its hash is the manifest's (heldOrSavedIndex): not computed again
            Optional<ChunkIndex> index = held.isPresent()
                    ? Optional.of(ChunkIndexCodec.decodeFor(m, held.get(), Sha256.parse(m.index().orElseThrow())))
                    : Optional.empty();
            Transfer t = new Transfer(m, leftover.get().durable(), index);
            Bank inactive = host.state().inactive();
            DownloadSession d = new DownloadSession(m, CoseSign1.decode(leftover.get().cose()).payload(),
                    config.manifestTopic(config.id()), t, pacer(m), Staging.resume(banks, inactive, m.count()),
                    Staging.reusedFile(banks, inactive), Staging.savedReused(banks, inactive, m.count(),
                            leftover.get().durable()), nanos);
            session = d;
            waiting = null; // taken up: a refusal from here on waits anew
            host.downloading(m.ver());
            Log.info("resuming download of ver=" + m.ver() + ": " + t.receivedCount() + "/" + m.count()
                    + " chunks already on disk");
            fillThenAsk(d);
        } catch (Refusal r) {
            Log.warn("dropping leftover download: " + r.getMessage());
            waiting = null;
            discardFiles();
            host.nothingLeft();
        } catch (IOException e) {
            StorageFailure f = StorageFailure.of(StorageFailure.Step.STORING, "cannot reopen the download in bank "
                    + host.state().inactive().wire(), e);
            Log.error(f.detail());
            host.publish(host.status(OtaState.FAILED).error(f.code(), f.detail()).build());
        }
    }

    void onChunk(byte[] payload) {
        DownloadSession d = session;
        if (d == null) return;
        Chunk chunk;
        try {
            chunk = ChunkCodec.decode(payload);
        } catch (Refusal r) {
            Log.warn("chunk rejected: " + r.getMessage());
            return;
        }
        if (d.awaitingIndex()) return; // unchecked until the index is there: asked for again once it is
        long now = nanos.getAsLong();
        faults.beforeChunk();
        switch (d.transfer.check(chunk)) {
            case Transfer.Verdict.Accept a -> {
                try {
                    d.write(a.seq(), a.offset(), a.data(), now);
                } catch (IOException e) {
                    storageFailed(d, "cannot write chunk " + a.seq() + " to bank " + host.state().inactive().wire(), e);
                    return;
                }
                d.pacer.arrived(now);
                if (d.syncDue(config.transfer().syncChunks(), config.transfer().syncInterval().toNanos(), now) && !syncBehind(d)) return;
            }
            case Transfer.Verdict.Duplicate dup -> {
                d.lastActivityAt = now;
                d.pacer.arrived(now); // it paces the link all the same
            }
            case Transfer.Verdict.OtherRelease other -> {
                return;
            }
            case Transfer.Verdict.Reject r -> {
                Log.warn("chunk rejected for ver=" + d.manifest.ver() + ": " + r.reason());
                return;
            }
        }
        if (d.filling) return; // the fill's end finishes the download or asks for the rest
        if (d.transfer.complete()) {
            finish(d);
        } else if (chunk.seq() == d.manifest.count() - 1 || d.transfer.covers(d.lastNeed)) {
            reRequest(d, now);
        }
    }

    /** The timer: batched fsync, stall re-requests, periodic progress, and a look for space when waiting for it. */
    void tick() {
        long now = nanos.getAsLong();
        if (waiting != null && now - spaceCheckedAt >= SPACE_RECHECK.toNanos()) {
            spaceCheckedAt = now;
            if (spaceFor(waiting.manifest())) {
                Log.info("space in bank " + host.state().inactive().wire() + " again: taking the download up where it stopped");
                resume();
            }
            return;
        }
        DownloadSession d = session;
        if (d == null) return;
        if (d.syncDue(Integer.MAX_VALUE, config.transfer().syncInterval().toNanos(), now) && !syncBehind(d)) return;
        if (d.filling) { // no chunk is expected: no stall, only the progress, which shows the link carries
            if (now - host.lastStatusAt() >= config.transfer().statusInterval().toNanos()) host.publish(filling(d).build());
            return;
        }
        long stall = (guard.net() == NetworkHealth.Net.GOOD
                ? config.transfer().stallInterval() : config.panic().stallIntervalDegraded()).toNanos();
        if (now - d.lastActivityAt < stall) {
            if (now - host.lastStatusAt() >= config.transfer().statusInterval().toNanos()) host.publish(progress(d, OtaState.DOWNLOADING).build());
            return;
        }
        boolean counted = now - d.lastStallAt >= stall;
        if (counted) {
            d.lastStallAt = now; // counted once per stall interval of silence, for the link's health
            guard.stalled();
        }
        long quietMs = (now - d.lastActivityAt) / 1_000_000;
        if (linkCarriedAt - d.lastActivityAt >= stall / 2) {
            Log.info("no chunk for " + quietMs + " ms while the link carries; asking again for what is overdue");
            reRequest(d, now);
        } else if (host.lastStatusAt() - d.lastActivityAt < stall / 2) {
            Log.info("no chunk for " + quietMs + " ms; checking that the link carries before asking again");
            host.publish(progress(d, OtaState.DOWNLOADING).build());
        } else if (counted) {
            // What the broker queued for the session is not lost, so nothing is asked for until the link carries.
            Log.info("no chunk for " + quietMs + " ms and the broker has not acknowledged a status since: the link"
                    + " is silent; waiting for it");
        }
    }

    /**
     * The broker acknowledged a status. A stall is taken as loss, and answered with a re-request, only when
     * the link carried well after the last chunk arrived ({@link #tick}): during a link cut that TCP survives,
     * neither side can tell a chunk on its way from a lost one, and asking then would have the publisher send
     * again everything the broker still holds for the session.
     */
    void linkCarries() {
        linkCarriedAt = nanos.getAsLong();
    }

    /**
     * The one place that decides what a re-request (after a stall, or after the last seq) asks for: only the
     * missing chunks that are overdue, never those still on their way (a subset of what is missing, so the
     * contract's need holds). Nothing overdue: nothing is published and the stall timer starts again.
     */
    private void reRequest(DownloadSession d, long now) {
        List<Transfer.Range> overdue = d.pacer.overdue(d.transfer, now);
        if (!overdue.isEmpty()) {
            publishNeed(d, overdue);
            return;
        }
        Log.info("every missing chunk is still on its way; not asking again yet");
        d.lastActivityAt = now;
        d.lastNeed = d.transfer.need(); // look again once these arrived, not on every chunk
    }

    /** The link to the broker went down: what is queued for the session waits, so the pacer's clock stops. */
    void linkDown() {
        if (session != null) session.pacer.linkDown(nanos.getAsLong());
    }

    /** The link is up again. */
    void linkUp() {
        if (session != null) session.pacer.linkUp(nanos.getAsLong());
    }

    private RequestPacer pacer(Manifest m) {
        return new RequestPacer(m.count(), config.transfer().stallInterval());
    }

    /** Where the download is, without asking for anything (after a reconnect). */
    void publishProgress() {
        if (session != null) host.publish((session.filling ? filling(session) : progress(session, OtaState.DOWNLOADING)).build());
    }

    /** The current need again (the same manifest again, a refusal of another manifest). */
    void publishNeed() {
        if (session != null) publishNeed(session, session.transfer.need());
    }

    private void publishNeed(DownloadSession d, List<Transfer.Range> need) {
        long now = nanos.getAsLong();
        if (d.awaitingIndex()) {
            d.lastActivityAt = now;
            host.publish(progress(d, OtaState.DOWNLOADING).need(List.of()).detail(waitingForIndex(d.manifest)).build());
            return;
        }
        if (d.filling) { // asked for once the fill ends
            host.publish(filling(d).build());
            return;
        }
        d.pacer.asked(need, d.transfer, now);
        d.lastNeed = need;
        d.lastActivityAt = now;
        host.publish(progress(d, OtaState.DOWNLOADING).need(need).build());
    }

    /**
     * A sync point of the reception: starts a sync on the sync thread unless one still runs; false when the
     * previous one failed (the download is then set aside). A failure is seen at the next sync point or at the end.
     */
    private boolean syncBehind(DownloadSession d) {
        return d.syncing() || sync(d, d::syncBehind);
    }

    /** Everything received made durable now; false when the sync failed (the download is then set aside). */
    private boolean sync(DownloadSession d) {
        return sync(d, d::sync);
    }

    /** How a sync is made: now ({@link DownloadSession#sync}) or behind ({@link DownloadSession#syncBehind}). */
    private interface SyncStep {
        void run() throws IOException;
    }

    /** The one place where a sync meets the fault injector and a storage failure; false when it failed. */
    private boolean sync(DownloadSession d, SyncStep step) {
        try {
            faults.beforeSync();
            step.run();
            return true;
        } catch (IOException e) {
            storageFailed(d, "cannot sync the staged image in bank " + host.state().inactive().wire(), e);
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
        close();
        if (f.kind() == StorageFailure.Kind.FAULT) {
            guard.panic(f.detail(), e);
            return;
        }
        waiting = new Waiting(d.manifest, d.manifestPayload, d.topic);
        spaceCheckedAt = nanos.getAsLong();
        Log.error(f.detail() + "; " + d.transfer.receivedCount() + " chunks kept, waiting for space");
        host.publish(progress(d, OtaState.FAILED).error(f.code(), f.detail() + "; the chunks on disk are kept and the"
                + " download goes on when space returns or the manifest is sent again").build());
    }

    /** Room for what is still missing, on a file system that takes writes. */
    private boolean spaceFor(Manifest m) {
        try {
            FileStore store = Files.getFileStore(banks.bankDir(host.state().inactive()));
            long missing = m.size() - Staging.leftover(banks, host.state().inactive())
                    .map(l -> (long) l.durable().cardinality() * m.chunk()).orElse(0L);
            return !store.isReadOnly() && store.getUsableSpace() > Math.max(0, missing);
        } catch (IOException e) {
            return false;
        }
    }

    /** Every chunk is on disk: make it durable and hand it to the worker. */
    private void finish(DownloadSession d) {
        if (!sync(d)) return;
        close();
        host.downloaded(d.manifest.ver());
    }

    /** Gives the download up and deletes its files (a withdrawn manifest, a crash loop). */
    void cancel() {
        close();
        waiting = null;
        discardFiles();
    }

    /** Makes what was received durable and closes the files (the process is ending). */
    void shutdown() {
        if (session != null) {
            session.filling = false; // a fill ends with the process: what it reused is recorded with the sync
            sync(session);
        }
        close();
    }

    /** Forgets the open files (after a panic); {@link #resume} takes the download up from disk. */
    void close() {
        if (session == null) return;
        try {
            session.close();
        } catch (IOException e) {
            Log.warn("closing the staged image: " + e.getMessage());
        }
        session = null;
    }

    private void discardFiles() {
        try {
            Staging.discard(banks, host.state().inactive());
        } catch (IOException e) {
            Log.warn("cleaning the download in bank " + host.state().inactive().wire() + ": " + e.getMessage());
        }
    }

    private StatusBuilder progress(DownloadSession d, OtaState s) {
        Transfer t = d.transfer;
        StatusBuilder b = host.status(s).release(d.manifest).progress(t.receivedCount(), d.manifest.count(),
                t.receivedBytes(), (double) t.receivedCount() / d.manifest.count(), d.rateBps(nanos.getAsLong()));
        return d.manifest.index().isPresent() ? b.reused(d.reused(), d.reusedBytes()) : b;
    }

    /** A download whose chunk fill runs: its progress, no need. */
    private StatusBuilder filling(DownloadSession d) {
        return progress(d, OtaState.DOWNLOADING).detail("filling chunks from what the device holds; asking for the rest"
                + " once that is done");
    }

    /** The status detail of a download that asks for nothing until the chunk index its manifest names is there. */
    static String waitingForIndex(Manifest m) {
        return "waiting for the chunk index " + m.index().orElseThrow() + " that the manifest names";
    }
}
