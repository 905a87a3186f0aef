package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wire overhead (chunks published ÷ chunk count) of the real publisher against real agents: no faults, and
 * kill -9 of the device mid-download, where the broker still holds what was sent for its persistent session.
 */
class WireOverheadTest {
    @TempDir
    Path dir;

    @Test
    void withoutFaultsEachChunkIsPublishedOnce() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            bed.agent("steady");
            Path image = bed.image("img", 2 * 1024 * 1024, 31);
            Publisher.Outcome outcome = bed.publish(bed.release("steady", image, 1, 4096, bed.edKey));
            assertTrue(outcome.success(), outcome.summary());
            assertTrue(outcome.wireOverhead() <= 1.02, "wire overhead " + outcome.wireOverhead());
        }
    }

    /** Observed before: ~670 chunks re-sent per kill for ~63 lost (+76 % traffic). */
    @Test
    void killNineRestartsDoNotResendWhatTheBrokerStillHolds() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "phoenix";
            AgentProcess agent = bed.agent(id);
            Path image = bed.image("img", 8 * 1024 * 1024, 32);
            int count = 8 * 1024 * 1024 / 4096;
            int mark = bed.watcher.mark();
            CompletableFuture<Publisher.Outcome> publishing = bed.publishAsync(bed.release(id, image, 1, 4096, bed.edKey));
            for (int kill = 1; kill <= 3; kill++) {
                int at = kill * count / 4;
                bed.watcher.await(mark, id, s -> s.received() != null && s.received() >= at, TestBed.LONG);
                agent.kill9();
                mark = bed.watcher.mark();
                agent.start().awaitReady();
            }
            Publisher.Outcome outcome = publishing.get(120, TimeUnit.SECONDS);
            assertTrue(outcome.success(), outcome.summary());
            assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            assertTrue(outcome.wireOverhead() <= 1.15, "wire overhead " + outcome.wireOverhead() + " over 3 kills");
        }
    }
}
