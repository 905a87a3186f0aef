package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run that trains the AOT cache (the launcher passes -Dreizi.aot.training=true with -XX:AOTCacheOutput) has the
 * JVM write the cache after the agent stopped: 55 s on a loaded board, past the unit's TimeoutStopSec, which then
 * killed it and lost the cache at every stop. Such a run asks systemd for the time as its last word; any other
 * run stops within the unit's own timeout. systemd is a real notify socket.
 */
class AotTrainingStopTest {
    private static final String WAIT_FOR_THE_CACHE = "EXTEND_TIMEOUT_USEC=300000000";

    @TempDir
    Path dir;

    @Test
    void aTrainingRunAsksSystemdToWaitForTheCacheAfterItsStopAnOrdinaryRunDoesNot() throws Exception {
        try (TestBed bed = new TestBed(dir); PanicRecoveryTest.Systemd systemd = new PanicRecoveryTest.Systemd(dir.resolve("notify.sock"))) {
            for (boolean training : new boolean[] {false, true}) {
                String id = training ? "aot-training" : "aot-trained";
                AgentProcess agent = new AgentProcess(id, bed.broker.url(), bed.dataDir(id), bed.trust,
                        TestBed.logs().resolve(id + ".log"))
                        .env("NOTIFY_SOCKET", dir.resolve("notify.sock").toString());
                if (training) agent.env("JAVA_TOOL_OPTIONS", "-Dreizi.aot.training=true");
                systemd.messages.clear();
                agent.start().awaitReady();
                systemd.await("READY=1");
                assertFalse(systemd.messages.contains(WAIT_FOR_THE_CACHE), "not before the stop: " + systemd.messages);

                assertEquals(143, agent.stop(), agent.log());
                systemd.await(training ? WAIT_FOR_THE_CACHE : "STOPPING=1");
                Thread.sleep(500); // the exited agent's last datagrams are all queued: the reader takes them in turn
                List<String> sent = List.copyOf(systemd.messages);
                int stopping = sent.indexOf("STOPPING=1");
                if (training) {
                    assertTrue(sent.lastIndexOf(WAIT_FOR_THE_CACHE) > stopping, "asked after STOPPING=1: " + sent);
                } else {
                    assertFalse(sent.contains(WAIT_FOR_THE_CACHE), "an ordinary stop asks for no more time: " + sent);
                }
            }
        }
    }
}
