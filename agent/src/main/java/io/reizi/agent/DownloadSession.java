package io.reizi.agent;

import io.reizi.ota.bank.Staging;
import io.reizi.ota.transfer.RequestPacer;
import io.reizi.ota.transfer.Transfer;
import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.bank.Durable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A download in progress: its transfer bookkeeping, its open staging files and its timers (nanoTime of the
 * injected clock). Written to on the MQTT thread, and by the chunk fill's thread ({@link ChunkFill}); the
 * {@link Updater} lock guards it, except {@link #closed}, which the fill reads without it.
 */
final class DownloadSession {
    final Manifest manifest;
    final byte[] manifestPayload;
    final String topic;
    /** Replaced once, when the chunk index the manifest names arrives after the download was taken up. */
    Transfer transfer;
    /** What a re-request asks for: only the missing chunks that are overdue, not those still on their way. */
    final RequestPacer pacer;
    private final Staging staging;
    private final BackgroundSync syncs;
    /** Where the reused chunks are recorded durably, beside the bitmap (a restart reports them still). */
    private final Path reusedFile;
    private int unsynced;
    private long firstUnsyncedAt;
    /** The last chunk arrival, need or decision that nothing is overdue: the stall timer runs from here. */
    long lastActivityAt;
    /** When a stall was last counted for the link's health. */
    long lastStallAt = Long.MIN_VALUE / 2;
    private long sessionStartAt = -1;
    private long sessionBytes;
    /**
     * Chunks filled from what the device already held, those of earlier runs included; recorded before the
     * bitmap at each sync (read back as its intersection with the durable bitmap, so never more than is there).
     */
    private final BitSet reused;
    /** Reused chunks not recorded yet: the record is rewritten (fsync, rename) once per this many during a fill. */
    private int reusedUnrecorded;
    static final int REUSED_RECORD_CHUNKS = 4096;
    /** A chunk fill runs (on its own thread): nothing is asked for until it ends. */
    boolean filling;
    /** Closed (the download ended, was replaced or cancelled): a fill still running stops and writes nothing. */
    private volatile boolean closed;
    /** The ranges whose arrival prompts the next look for overdue chunks (the last need published, or waited on). */
    List<Transfer.Range> lastNeed = List.of();

    DownloadSession(Manifest manifest, byte[] payload, String topic, Transfer transfer, RequestPacer pacer,
            Staging staging, Path reusedFile, BitSet reused, LongSupplier clock) {
        this.manifest = manifest;
        this.manifestPayload = payload;
        this.topic = topic;
        this.transfer = transfer;
        this.pacer = pacer;
        this.staging = staging;
        this.syncs = new BackgroundSync(staging, clock);
        this.reusedFile = reusedFile;
        this.reused = (BitSet) reused.clone();
        this.reused.and(transfer.receivedSet());
        this.lastActivityAt = clock.getAsLong();
    }

    /** Writes an accepted chunk; not durable until {@link #sync}. */
    void write(int seq, long offset, byte[] data, long now) throws IOException {
        staging.write(offset, data);
        transfer.markReceived(seq);
        if (unsynced++ == 0) firstUnsyncedAt = now;
        if (sessionStartAt < 0) sessionStartAt = now;
        sessionBytes += data.length;
        lastActivityAt = now;
    }

    /**
     * A chunk found in what the device already holds, written like a received one; not durable until
     * {@link #sync}. A chunk that arrived meanwhile (during the fill) is not written again: false.
     */
    boolean fill(int seq, byte[] data) throws IOException {
        if (transfer.has(seq)) return false;
        staging.write(manifest.offset(seq), data);
        transfer.markReceived(seq);
        unsynced++;
        reused.set(seq);
        reusedUnrecorded++;
        return true;
    }

    /** The manifest names a chunk index that has not arrived yet: nothing is asked for, and chunks are dropped. */
    boolean awaitingIndex() {
        return manifest.index().isPresent() && transfer.index().isEmpty();
    }

    /** From now on every chunk is checked against {@code index} (verified against the manifest by the caller). */
    void useIndex(ChunkIndex index) {
        transfer = new Transfer(manifest, transfer.receivedSet(), Optional.of(index));
    }

    int reused() {
        return reused.cardinality();
    }

    long reusedBytes() {
        long bytes = 0;
        for (int seq = reused.nextSetBit(0); seq >= 0; seq = reused.nextSetBit(seq + 1)) bytes += manifest.chunkLength(seq);
        return bytes;
    }

    boolean closed() {
        return closed;
    }

    /** Chunks written or reused that a sync has not made durable yet (nothing to sync otherwise). */
    boolean hasUnsynced() {
        return unsynced > 0 || reusedUnrecorded > 0;
    }

    /**
     * A batch is synced once it has {@code chunks} chunks, or once its first chunk is {@code intervalNanos} old and
     * the previous sync ended as long ago: on storage whose fsync outlasts the interval (an SD card, ~1 s), counting
     * from the first chunk alone started the next sync as soon as one chunk came, and each sync let one write
     * through (SlowStorageTest).
     */
    boolean syncDue(int chunks, long intervalNanos, long now) {
        return unsynced >= chunks || (unsynced > 0 && now - Math.max(firstUnsyncedAt, syncs.finishedAt()) >= intervalNanos);
    }

    /** Whether a sync started by {@link #syncBehind} still runs. */
    boolean syncing() {
        return syncs.running();
    }

    /**
     * At a sync point of the reception: makes what was written so far durable on the sync thread, the chunks
     * arriving meanwhile written on (see {@link BackgroundSync}). Throws what the previous such sync failed with.
     * Reused chunks not yet recorded (after a fill) are recorded first, by a sync on this thread.
     */
    void syncBehind() throws IOException {
        if (reusedUnrecorded > 0) {
            sync();
            return;
        }
        if (syncs.start(transfer.receivedSet())) unsynced = 0; // a copy: the sync thread's own snapshot
    }

    /**
     * The reused chunks (ahead of the bitmap: read back, they count only where the bitmap has them), data,
     * bitmap, all of it durable when this returns. During a fill the reused record is rewritten only every
     * {@link #REUSED_RECORD_CHUNKS} (a record at every checkpoint doubled the fill's fsyncs): a power cut mid-fill
     * may undercount {@code reused}, never more.
     */
    void sync() throws IOException {
        if (reusedUnrecorded > 0 && (!filling || reusedUnrecorded >= REUSED_RECORD_CHUNKS)) {
            syncs.awaitRunning();
            Durable.writeAtomically(reusedFile, reused.toByteArray());
            reusedUnrecorded = 0;
        }
        syncs.now(transfer.receivedSet());
        unsynced = 0;
    }

    /** Waits for a sync still running, then closes the files. */
    void close() throws IOException {
        closed = true;
        try {
            syncs.close();
        } finally {
            staging.close();
        }
    }

    long rateBps(long now) {
        if (sessionStartAt < 0 || now <= sessionStartAt) return 0;
        return sessionBytes * 1_000_000_000L / (now - sessionStartAt);
    }
}
