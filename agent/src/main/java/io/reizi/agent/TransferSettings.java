package io.reizi.agent;

import java.time.Duration;

/**
 * The download's pace: chunks written per fsync batch and the longest a batch waits, how long before missing
 * chunks are asked for again, how often progress is reported.
 */
public record TransferSettings(int syncChunks, Duration syncInterval, Duration stallInterval, Duration statusInterval) {

    public TransferSettings {
        if (syncChunks < 1) throw new IllegalArgumentException("sync-chunks must be at least 1");
    }
}
