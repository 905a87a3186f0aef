package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publication;
import io.reizi.agent.Publisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker goes away mid-transfer and comes back: agent and publisher reconnect and finish. */
class BrokerRestartTest {
    @TempDir
    Path dir;

    @Test
    void updateCompletesAcrossABrokerRestart() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "weather";
            AgentProcess agent = bed.agent(id);
            Path image = bed.image("img", 8 * 1024 * 1024, 31);
            int mark = bed.watcher.mark();
            // One chunk in flight at a time: the transfer lasts long enough for the restart to land in it.
            Publication slow = bed.release(id, image, 1, 1024, bed.ecKey).toBuilder().window(1).build();
            CompletableFuture<Publisher.Outcome> publishing = bed.publishAsync(slow);
            bed.watcher.await(mark, id, s -> s.need() != null, TestBed.LONG);
            Thread.sleep(300);
            bed.broker.restart(1000);
            Publisher.Outcome outcome = publishing.get(90, TimeUnit.SECONDS);
            assertTrue(outcome.success(), outcome.summary());
            // The link dropped, came back (Paho's reconnect or, when that wedges, a new client), and only then
            // did the last chunk arrive: the restart hit the middle of the download.
            String log = agent.log();
            int lost = log.indexOf("disconnected from broker");
            int back = log.indexOf("connected to", lost);
            assertTrue(lost > 0 && back > lost && back < log.indexOf("chunks of ver=1 received"),
                    "the download was still going on when the broker restarted:\n" + log);
            assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
        }
    }
}
