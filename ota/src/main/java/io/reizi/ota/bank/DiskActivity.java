package io.reizi.ota.bank;

import java.io.IOException;

/**
 * Whether the storage under the banks and the data dir is working: its operations in flight (fsyncs, renames,
 * chunk writes) and when the last one finished. The agent's watchdog tells slow storage from a stuck agent by it:
 * on an SD card one fsync can take a second and more, and a write waits as long when the card's queue is full,
 * which is progress; an operation that has not returned within its limit is a stuck disk. One per process, as the
 * disk is.
 */
public final class DiskActivity {
    /** A disk operation. */
    public interface Operation {
        void run() throws IOException;
    }

    private static int inFlight;
    private static long waitingSince;
    private static long lastDone;

    private DiskActivity() {}

    /** Runs {@code op} as one disk operation. */
    public static void during(Operation op) throws IOException {
        begin();
        try {
            op.run();
        } finally {
            end();
        }
    }

    private static synchronized void begin() {
        if (inFlight++ == 0) waitingSince = System.nanoTime();
    }

    /** One finished: progress. The wait of those still in flight counts from here (they overlap, nothing older). */
    private static synchronized void end() {
        long now = System.nanoTime();
        lastDone = now;
        waitingSince = now;
        inFlight--;
    }

    /** How long, at {@code now} ({@link System#nanoTime}), the storage has kept an operation without finishing one; 0 when idle. */
    public static synchronized long waitingNanos(long now) {
        return inFlight > 0 ? now - waitingSince : 0;
    }

    /** When the last operation finished ({@link System#nanoTime}); 0 before any. */
    public static synchronized long lastDone() {
        return lastDone;
    }
}
