package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wire overhead (chunks published ÷ chunk count) of the real publisher against real agents: no faults, and
 * kill -9 of the device mid-download, where the broker still holds what was sent for its persistent session.
 * {@code -Dreizi.wire.kills=N} sets the restarts (default 3); {@code -Dreizi.fault.report=FILE} writes the
 * figures (bench/wire-overhead runs ten).
 */
class WireOverheadTest {
    private static final List<String> ROWS = new ArrayList<>();

    @TempDir
    Path dir;

    private static void row(String what, int chunks, Publisher.Outcome o, double target) {
        ROWS.add(String.format(Locale.ROOT, "| %s | %d | %d | %.3f | ≤ %.2f |", what, chunks, o.chunksPublished(),
                o.wireOverhead(), target));
    }

    @AfterAll
    static void report() throws Exception {
        String file = System.getProperty("reizi.fault.report");
        if (file == null || ROWS.isEmpty()) return;
        Files.writeString(Path.of(file), "| case | chunks | chunks published | wire overhead | target |\n"
                + "|---|---:|---:|---:|---|\n" + String.join("\n", ROWS) + "\n");
    }

    @Test
    void withoutFaultsEachChunkIsPublishedOnce() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            bed.agent("steady");
            Path image = bed.image("img", 2 * 1024 * 1024, 31);
            Publisher.Outcome outcome = bed.publish(bed.release("steady", image, 1, 4096, bed.edKey));
            assertTrue(outcome.success(), outcome.summary());
            row("no faults, 2 MiB in 4 KiB chunks", outcome.chunkCount(), outcome, 1.02);
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
            int kills = Integer.getInteger("reizi.wire.kills", 3);
            for (int kill = 1; kill <= kills; kill++) {
                int at = kill * count / (kills + 1);
                bed.watcher.await(mark, id, s -> s.received() != null && s.received() >= at, TestBed.LONG);
                agent.kill9();
                mark = bed.watcher.mark();
                agent.start().awaitReady();
            }
            Publisher.Outcome outcome = publishing.get(120, TimeUnit.SECONDS);
            assertTrue(outcome.success(), outcome.summary());
            assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            row(kills + " kill -9 restarts, 8 MiB in 4 KiB chunks", count, outcome, 1.15);
            assertTrue(outcome.wireOverhead() <= 1.15, "wire overhead " + outcome.wireOverhead() + " over " + kills + " kills");
        }
    }
}
