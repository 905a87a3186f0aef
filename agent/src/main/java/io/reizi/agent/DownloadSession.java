package io.reizi.agent;

import io.reizi.ota.bank.Staging;
import io.reizi.ota.transfer.RequestPacer;
import io.reizi.ota.transfer.Transfer;
import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.Manifest;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A download in progress: its transfer bookkeeping, its open staging files and its timers (nanoTime of the
 * injected clock). Written to on the MQTT thread only; the {@link Updater} lock guards it.
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
    private int unsynced;
    private long firstUnsyncedAt;
    /** The last chunk arrival, need or decision that nothing is overdue: the stall timer runs from here. */
    long lastActivityAt;
    /** When a stall was last counted for the link's health. */
    long lastStallAt = Long.MIN_VALUE / 2;
    private long sessionStartAt = -1;
    private long sessionBytes;
    /** Chunks filled from what the device already held (this run), and their bytes. */
    private int reused;
    private long reusedBytes;
    /** The ranges whose arrival prompts the next look for overdue chunks (the last need published, or waited on). */
    List<Transfer.Range> lastNeed = List.of();

    DownloadSession(Manifest manifest, byte[] payload, String topic, Transfer transfer, RequestPacer pacer,
            Staging staging, long now) {
        this.manifest = manifest;
        this.manifestPayload = payload;
        this.topic = topic;
        this.transfer = transfer;
        this.pacer = pacer;
        this.staging = staging;
        this.syncs = new BackgroundSync(staging);
        this.lastActivityAt = now;
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

    /** A chunk found in what the device already holds, written like a received one; not durable until {@link #sync}. */
    void fill(int seq, byte[] data) throws IOException {
        staging.write(manifest.offset(seq), data);
        transfer.markReceived(seq);
        unsynced++;
        reused++;
        reusedBytes += data.length;
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
        return reused;
    }

    long reusedBytes() {
        return reusedBytes;
    }

    boolean syncDue(int chunks, long intervalNanos, long now) {
        return unsynced >= chunks || (unsynced > 0 && now - firstUnsyncedAt >= intervalNanos);
    }

    /** Whether a sync started by {@link #syncBehind} still runs. */
    boolean syncing() {
        return syncs.running();
    }

    /**
     * At a sync point of the reception: makes what was written so far durable on the sync thread, the chunks
     * arriving meanwhile written on (see {@link BackgroundSync}). Throws what the previous such sync failed with.
     */
    void syncBehind() throws IOException {
        if (syncs.start(transfer.receivedSet())) unsynced = 0;
    }

    /** Data first, then the bitmap that records it: all of it durable when this returns. */
    void sync() throws IOException {
        syncs.now(transfer.receivedSet());
        unsynced = 0;
    }

    /** Waits for a sync still running, then closes the files. */
    void close() throws IOException {
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
