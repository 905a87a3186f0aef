package io.reizi.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
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
}
