package io.reizi.ota.bank;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

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

    /** The start of each operation in flight: a few at most (the MQTT, sync, fill and update threads). */
    private static final List<Long> started = new ArrayList<>();
    /** Far in the past before any: System.nanoTime's origin is arbitrary, so 0 may lie in the future. */
    private static long lastDone = Long.MIN_VALUE / 2;

    private DiskActivity() {}

    /** Runs {@code op} as one disk operation. */
    public static void during(Operation op) throws IOException {
        Long start = begin();
        try {
            op.run();
        } finally {
            end(start);
        }
    }

    private static synchronized Long begin() {
        Long start = System.nanoTime();
        started.add(start);
        return start;
    }

    private static synchronized void end(Long start) {
        started.remove(start);
        lastDone = System.nanoTime();
    }

    /** How long, at {@code now} ({@link System#nanoTime}), the oldest operation in flight has been; 0 when none is. */
    public static synchronized long waitingNanos(long now) {
        long oldest = now;
        for (long s : started) oldest = Math.min(oldest, s);
        return now - oldest;
    }

    /** When the last operation finished ({@link System#nanoTime}); far in the past before any. */
    public static synchronized long lastDone() {
        return lastDone;
    }
}
