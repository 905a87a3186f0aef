package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real agent killed (exit 137, as by kill -9) right after it journals each phase of the update
 * ({@code --inject-fault halt@PHASE}), then started again: the update ends as it would have, and nothing is
 * fetched again once every chunk was on disk.
 */
class KillPointsTest {
    static final int CHUNK = 4096;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"verifying", "staged", "switching", "trial", "committing"})
    void killedRightAfterAPhaseIsJournaledTheUpdateCommitsWithoutAByteFetchedAgain(String phase) throws Exception {
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "kill-" + phase;
            AgentProcess agent = bed.agent(id, "--inject-fault", "halt@" + phase);
            Path image = bed.image("img", 300_000, 91);
            byte[] bytes = Files.readAllBytes(image);
            int mark = bed.watcher.mark();
            raw.manifest(id, RawMqtt.sign(RawMqtt.fields(image, 1, CHUNK), bed.edKey));
            bed.watcher.await(mark, id, s -> s.need() != null, TestBed.LONG);
            raw.chunks(id, 1, bytes, CHUNK, 0, (bytes.length + CHUNK - 1) / CHUNK);
            assertEquals(137, agent.awaitExit(30), agent.log());

            int restart = bed.watcher.mark();
            try (AgentProcess again = new AgentProcess(id, bed.broker.url(), bed.dataDir(id), bed.trust,
                    TestBed.logs().resolve(id + "-restart.log"))) {
                again.start().awaitReady();
                Status done = bed.watcher.awaitState(restart, id, 1, OtaState.COMMITTED, TestBed.LONG);
                assertEquals(1L, done.activeVer());
                assertTrue(bed.watcher.since(restart, id).stream().noneMatch(s -> s.state() == OtaState.DOWNLOADING),
                        phase + ": nothing is fetched again");
                assertArrayEquals(bytes, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            }
        }
    }

    @org.junit.jupiter.api.Test
    void killedWhileRollingBackTheRollbackEndsWithItsReason() throws Exception {
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "kill-rollback";
            String health = "[ \"$REIZI_VER\" != 2 ]";
            AgentProcess agent = bed.agent(id, "--health-cmd", health, "--inject-fault", "halt@rolling_back");
            Path v1 = bed.image("v1", 50_000, 92);
            assertTrue(bed.publish(bed.release(id, v1, 1, CHUNK, bed.edKey)).success());
            Path v2 = bed.image("v2", 50_000, 93);
            byte[] bytes = Files.readAllBytes(v2);
            int mark = bed.watcher.mark();
            raw.manifest(id, RawMqtt.sign(RawMqtt.fields(v2, 2, CHUNK), bed.edKey));
            bed.watcher.await(mark, id, s -> s.need() != null, TestBed.LONG);
            raw.chunks(id, 2, bytes, CHUNK, 0, (bytes.length + CHUNK - 1) / CHUNK);
            assertEquals(137, agent.awaitExit(30), agent.log());

            int restart = bed.watcher.mark();
            try (AgentProcess again = new AgentProcess(id, bed.broker.url(), bed.dataDir(id), bed.trust,
                    TestBed.logs().resolve(id + "-restart.log"), "--health-cmd", health)) {
                again.start().awaitReady();
                Status back = bed.watcher.awaitState(restart, id, 2, OtaState.ROLLED_BACK, TestBed.LONG);
                assertEquals(ErrorCode.HEALTH_CHECK_FAILED, back.error());
                assertEquals("health command exited 1", back.detail());
                assertEquals(1L, back.activeVer());
                assertArrayEquals(Files.readAllBytes(v1), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            }
        }
    }
}
