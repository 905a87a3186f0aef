package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publisher;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `kill -9` of the agent mid-transfer: it resumes, asking only for what was not yet on disk. */
class ResumeTest {
    @TempDir
    Path dir;

    @Test
    void afterKill9OnlyChunksNotYetSyncedAreAskedAgain() throws Exception {
        int chunk = 4096, count = 200;
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "phoenix";
            AgentProcess agent = bed.agent(id, "--sync-interval", "200ms");
            Path image = bed.image("img", chunk * count, 21);
            byte[] bytes = Files.readAllBytes(image);
            int mark = bed.watcher.mark();
            raw.manifest(id, RawMqtt.sign(RawMqtt.fields(image, 1, chunk), bed.edKey));
            bed.watcher.await(mark, id, s -> s.need() != null, TestBed.LONG);
            raw.chunks(id, 1, bytes, chunk, 0, 100);
            bed.watcher.await(mark, id, s -> s.received() != null && s.received() == 100, TestBed.LONG);
            Thread.sleep(700); // past the 200 ms sync interval: all 100 are fsync'd
            agent.kill9();

            int restart = bed.watcher.mark();
            agent.start().awaitReady();
            Status need = bed.watcher.await(restart, id, s -> s.need() != null, TestBed.LONG);
            assertEquals("[[100, 199]]", need.need().toString());
            assertEquals(100, need.received());
            assertTrue(agent.log().contains("100/200 chunks already on disk"));

            raw.chunks(id, 1, bytes, chunk, 100, count);
            bed.watcher.awaitState(restart, id, 1, OtaState.COMMITTED, TestBed.LONG);
            assertArrayEquals(bytes, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
        }
    }

    @Test
    void publisherFinishesAfterTheAgentIsKilledAndRestarted() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "lazarus";
            AgentProcess agent = bed.agent(id);
            Path image = bed.image("img", 8 * 1024 * 1024, 22);
            int mark = bed.watcher.mark();
            CompletableFuture<Publisher.Outcome> publishing = bed.publishAsync(bed.release(id, image, 1, 1024, bed.edKey));
            bed.watcher.await(mark, id, s -> s.received() != null && s.received() > 300, TestBed.LONG);
            agent.kill9();
            Thread.sleep(500);
            agent.start().awaitReady();
            Publisher.Outcome outcome = publishing.get(90, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(outcome.success(), outcome.summary());
            assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            assertTrue(agent.log().contains("chunks already on disk"), "the restarted agent resumed");
        }
    }


}
