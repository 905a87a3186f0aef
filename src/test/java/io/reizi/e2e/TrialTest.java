package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restarts during a trial are counted like boot attempts; past the limit the agent rolls back by itself. */
class TrialTest {
    @TempDir
    Path dir;

    @Test
    void restartingTooOftenDuringTrialRollsBack() throws Exception {
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "stubborn";
            // ver 2's health check hangs: the trial never ends on its own within the test.
            AgentProcess agent = bed.agent(id, "--trial-window", "120s",
                    "--health-cmd", "if [ \"$REIZI_VER\" = 2 ]; then sleep 120; fi");
            Path v1 = bed.image("v1", 50_000, 51);
            assertTrue(bed.publish(bed.release(id, v1, 1, 8192, bed.edKey)).success());

            Path v2 = bed.image("v2", 50_000, 52);
            byte[] bytes = Files.readAllBytes(v2);
            int mark = bed.watcher.mark();
            raw.manifest(id, RawMqtt.sign(RawMqtt.fields(v2, 2, 8192), bed.edKey));
            bed.watcher.await(mark, id, s -> s.need() != null, TestBed.LONG);
            raw.chunks(id, 2, bytes, 8192, 0, (bytes.length + 8191) / 8192);
            bed.watcher.awaitState(mark, id, 2, OtaState.TRIAL, TestBed.LONG);
            agent.kill9();

            int first = bed.watcher.mark();
            agent.start().awaitReady();
            Status again = bed.watcher.awaitState(first, id, 2, OtaState.TRIAL, TestBed.LONG);
            assertEquals(2L, again.activeVer(), "one restart is allowed: still on trial with ver 2");
            agent.kill9();

            int second = bed.watcher.mark();
            agent.start().awaitReady();
            Status back = bed.watcher.awaitState(second, id, 2, OtaState.ROLLED_BACK, TestBed.LONG);
            assertEquals(ErrorCode.HEALTH_CHECK_FAILED, back.error());
            assertEquals(1L, back.activeVer());
            assertArrayEquals(Files.readAllBytes(v1), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            // The retained manifest of ver 2 comes again with the reconnect: the rollback stays the last word.
            Thread.sleep(1500);
            Status latest = bed.watcher.since(second, id).getLast();
            assertEquals(OtaState.ROLLED_BACK, latest.state(), "the rollback's status is not overwritten");
            assertEquals(back.detail(), latest.detail());

            // ...and ver 2 is never installed again. The same release again (as the retained manifest is at every
            // reconnect) is answered with its rollback, reason kept; another image under that ver is refused.
            int retry = bed.watcher.mark();
            raw.manifest(id, RawMqtt.sign(RawMqtt.fields(v2, 2, 8192), bed.edKey));
            Status same = bed.watcher.awaitState(retry, id, 2, OtaState.ROLLED_BACK, TestBed.LONG);
            assertEquals(back.error(), same.error());
            assertEquals(back.detail(), same.detail(), "the rollback's reason is not overwritten");
            int other = bed.watcher.mark();
            raw.manifest(id, RawMqtt.sign(RawMqtt.fields(bed.image("v2b", 50_000, 53), 2, 8192), bed.edKey));
            Status refused = bed.watcher.awaitState(other, id, 2, OtaState.FAILED, TestBed.LONG);
            assertEquals(ErrorCode.ROLLBACK_REFUSED, refused.error());
            assertTrue(bed.watcher.since(retry, id).stream().noneMatch(s -> s.state() == OtaState.DOWNLOADING),
                    "nothing of ver 2 is downloaded again");
        }
    }

    private static void assertArrayEquals(byte[] expected, byte[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
    }
}
