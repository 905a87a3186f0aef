package io.reizi.agent;

import io.reizi.ota.bank.Staging;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * The batched fsync of a download, made on a thread of its own: an fsync takes milliseconds to a second, and
 * on the MQTT thread it stopped the reception meanwhile (measured at 1 KiB chunks: that thread in fsync half the
 * time, the broker's window full of unacknowledged chunks). The order that makes a power cut safe is kept: a
 * sync records in the bitmap only the chunks written before it began (a snapshot taken on the writing thread),
 * after the data's fsync. At most one sync runs; a sync point reached meanwhile is left to the next one.
 */
final class BackgroundSync implements AutoCloseable {
    private final Staging staging;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "reizi-sync");
        t.setDaemon(true);
        return t;
    });
    private final LongSupplier clock;
    private Future<?> running = CompletableFuture.completedFuture(null);
    private volatile long finishedAt = Long.MIN_VALUE / 2;

    BackgroundSync(Staging staging, LongSupplier clock) {
        this.staging = staging;
        this.clock = clock;
    }

    /** When the last sync started here ended, on {@code clock}; far in the past before any. */
    long finishedAt() {
        return finishedAt;
    }

    boolean running() {
        return !running.isDone();
    }

    /**
     * Starts making durable what was written so far, {@code snapshot} its record; false when the previous sync
     * still runs (nothing started). Throws what the previous sync failed with. {@code snapshot} is handed over:
     * the sync thread reads it, so the caller passes a copy that nobody changes afterwards (the download's is
     * {@code Transfer.receivedSet()}, a fresh copy already: not copied again here).
     */
    boolean start(BitSet snapshot) throws IOException {
        if (!running.isDone()) return false;
        awaitRunning();
        running = thread.submit(() -> {
            try {
                staging.sync(snapshot);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                finishedAt = clock.getAsLong();
            }
        });
        return true;
    }

    /** Waits for the running sync, then makes everything written durable, on the caller's thread. */
    void now(BitSet received) throws IOException {
        awaitRunning();
        staging.sync(received);
    }

    /** Waits for the running sync; throws what it failed with. */
    void awaitRunning() throws IOException {
        try {
            running.get();
        } catch (ExecutionException e) {
            running = CompletableFuture.completedFuture(null); // reported once
            if (e.getCause() instanceof UncheckedIOException io) throw io.getCause();
            throw new IOException("background sync failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the sync of the staged image", e);
        }
    }

    /** Waits for the running sync (its failure is the caller's to report) and ends the thread. */
    @Override
    public void close() throws IOException {
        try {
            awaitRunning();
        } finally {
            thread.shutdown();
        }
    }
}
