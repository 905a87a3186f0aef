package io.reizi.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyTest {
    static final long S = 1_000_000_000L;

    @Test
    void networkIsClassifiedFromReconnectsStallsAndAckLatency() {
        NetworkHealth h = new NetworkHealth(NetworkHealth.Limits.defaults());
        assertEquals(NetworkHealth.Net.DOWN, h.classify(0));
        h.connected(false, 0);
        assertEquals(NetworkHealth.Net.GOOD, h.classify(S));
        for (int i = 1; i <= 3; i++) h.connected(true, i * S);
        assertEquals(NetworkHealth.Net.DEGRADED, h.classify(4 * S));
        assertEquals(NetworkHealth.Net.GOOD, h.classify(70 * S), "reconnects age out of the window");
        for (int i = 0; i < 9; i++) h.ackLatency(Duration.ofMillis(1500));
        assertEquals(NetworkHealth.Net.DEGRADED, h.classify(70 * S));
        for (int i = 0; i < 16; i++) h.ackLatency(Duration.ofMillis(5));
        assertEquals(NetworkHealth.Net.GOOD, h.classify(70 * S));
        h.disconnected();
        assertEquals(NetworkHealth.Net.DOWN, h.classify(70 * S));
    }

    @Test
    void crashLoopCountsExitsInTheWindow(@TempDir Path dir) throws Exception {
        CrashLoop loop = new CrashLoop(dir.resolve("panic-exits"), 3, Duration.ofMinutes(10));
        long now = 1_000_000_000_000L;
        loop.recordExit(now - Duration.ofMinutes(11).toMillis());
        loop.recordExit(now - 2000);
        loop.recordExit(now - 1000);
        assertEquals(2, loop.recentExits(now));
        assertFalse(loop.looping(now));
        loop.recordExit(now);
        assertTrue(loop.looping(now));
        loop.reset();
        assertEquals(0, loop.recentExits(now));
    }

    @Test
    void aDamagedExitRecordIsDiscardedWithAWarningAndNeverStopsTheCount(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("panic-exits");
        CrashLoop loop = new CrashLoop(file, 3, Duration.ofMinutes(10));
        long now = 1_000_000_000_000L;
        List<String> warnings = new ArrayList<>();
        Logger jul = Logger.getLogger(CrashLoop.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                warnings.add(r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        jul.addHandler(capture);
        try {
            // Invalid UTF-8, a NUL, text and an overlong number around one real exit, no final newline.
            Files.write(file, new byte[] {(byte) 0xc3, 0x28, '\n', 0, '\n', '9', '9', '9', '9', '9', '9', '9',
                    '9', '9', '9', '9', '9', '9', '9', '9', '9', '9', '9', '9', '\n', 'x', '\n'});
            Files.writeString(file, (now - 5) + "\nhello", StandardOpenOption.APPEND);
            assertEquals(1, loop.recentExits(now));
            assertTrue(warnings.stream().anyMatch(w -> w.contains("5 line(s)")), warnings.toString());
            assertEquals((now - 5) + "\n", Files.readString(file), "rewritten with the good lines only");
            Files.writeString(file, "garbage", StandardOpenOption.APPEND);
            loop.recordExit(now);
            assertEquals(2, loop.recentExits(now), "an exit after a damaged last line still counts");
            // A file grown huge is read from its end only.
            Files.write(file, new byte[CrashLoop.MAX_BYTES * 4]);
            loop.recordExit(now);
            loop.recordExit(now);
            loop.recordExit(now);
            assertTrue(loop.looping(now));
        } finally {
            jul.removeHandler(capture);
        }
    }
}
