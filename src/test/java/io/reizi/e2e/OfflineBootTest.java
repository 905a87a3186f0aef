package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.wire.NetHealth;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A board that boots without its broker: READY as soon as the active release runs, every watchdog kicked
 * while the agent keeps trying, and the status sent (saying how the link is then) once the broker comes.
 * The broker is down at the start and started later on the same port; systemd is a real notify socket and
 * /dev/watchdog the recording stand-in (no such device here).
 */
class OfflineBootTest {
    @TempDir
    Path dir;

    @Test
    void readyAndKickedWithTheBrokerDownThenReportsOnceItComes() throws Exception {
        Path record = dir.resolve("watchdog.calls");
        try (TestBed bed = new TestBed(dir); PanicRecoveryTest.Systemd systemd = new PanicRecoveryTest.Systemd(dir.resolve("notify.sock"))) {
            bed.broker.stop();
            String id = "offline-boot";
            try (AgentProcess agent = new AgentProcess(id, bed.broker.url(), bed.dataDir(id), bed.trust,
                    TestBed.logs().resolve(id + ".log"), "--watchdog-device", "record:" + record)
                    .env("NOTIFY_SOCKET", dir.resolve("notify.sock").toString())
                    .env("WATCHDOG_USEC", "2000000")) {
                agent.start();
                systemd.await("READY=1");
                assertFalse(agent.log().contains("connected to tcp"), "READY came without the broker");

                // 10 s with no broker (on a board: as long as the network is down): kicked throughout, still up.
                long longestGapMs = 0, lastKickAt = System.nanoTime();
                long kicks = kicks(record);
                for (long end = System.nanoTime() + 10_000_000_000L; System.nanoTime() < end; Thread.sleep(50)) {
                    long now = System.nanoTime(), k = kicks(record);
                    if (k > kicks) {
                        kicks = k;
                        lastKickAt = now;
                    }
                    longestGapMs = Math.max(longestGapMs, (now - lastKickAt) / 1_000_000);
                }
                assertTrue(longestGapMs < 1000, "the 1 s watchdog went " + longestGapMs + " ms without a kick");
                assertTrue(agent.isAlive(), agent.log());
                long pings = systemd.count("WATCHDOG=1");
                assertTrue(pings >= 10, "systemd pinged while connecting: " + pings);
                assertTrue(systemd.messages.stream().anyMatch(m -> m.startsWith("STATUS=idle") && m.endsWith("net down")),
                        "systemd's status says the link is down: " + systemd.messages);

                int mark = bed.watcher.mark();
                long brokerBackAt = System.currentTimeMillis();
                bed.broker.restart(0); // the same port
                Status first = bed.watcher.await(mark, id, s -> true, Duration.ofSeconds(40));
                assertEquals(OtaState.IDLE, first.state());
                assertEquals(NetHealth.GOOD, first.net(), "net as it is when the status is sent, not when it was made");
                assertTrue(first.ts() >= brokerBackAt, "stamped when sent");
                assertTrue(agent.isAlive());
                assertFalse(agent.log().contains("PANIC"), agent.log());
                assertEquals(1, systemd.messages.stream().filter(m -> m.startsWith("READY=1")).count(), "READY once");
            }
        }
    }

    private static long kicks(Path record) throws Exception {
        if (!Files.exists(record)) return 0;
        return Files.readAllLines(record).stream().filter("kick"::equals).count();
    }
}
