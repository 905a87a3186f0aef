package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publisher;
import io.reizi.ota.wire.Bank;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole updates over a real Mosquitto: both chunk sizes, both signature algorithms, A then B. */
class FullUpdateTest {
    @TempDir
    static Path dir;
    static TestBed bed;

    @BeforeAll
    static void up() throws Exception {
        bed = new TestBed(dir);
    }

    @AfterAll
    static void down() throws Exception {
        bed.close();
    }

    @Test
    void smallChunksEd25519ThenLargeChunksEs256() throws Exception {
        bed.agent("full-1");
        Path v1 = bed.image("v1.img", 3 * 1024 * 1024 + 123, 1);
        int mark = bed.watcher.mark();
        Publisher.Outcome first = bed.publish(bed.release("full-1", v1, 1, 1024, bed.edKey));
        assertTrue(first.success(), first.summary());
        Path data = bed.dataDir("full-1");
        assertArrayEquals(Files.readAllBytes(v1), Files.readAllBytes(data.resolve("current/image")));
        assertEquals(Path.of("banks/b"), Files.readSymbolicLink(data.resolve("current")));
        Status committed = bed.watcher.awaitState(mark, "full-1", 1, OtaState.COMMITTED, TestBed.LONG);
        assertEquals(Bank.B, committed.active());
        assertEquals(1L, committed.activeVer());
        // The state machine went through every step of the contract, in order.
        assertEquals(java.util.List.of(OtaState.DOWNLOADING, OtaState.VERIFYING, OtaState.STAGED, OtaState.SWITCHING,
                        OtaState.TRIAL, OtaState.COMMITTED),
                bed.watcher.since(mark, "full-1").stream().map(Status::state)
                        .dropWhile(state -> state != OtaState.DOWNLOADING).distinct().toList());

        Path v2 = bed.image("v2.img", 4 * 1024 * 1024, 2);
        Publisher.Outcome second = bed.publish(bed.release("full-1", v2, 2, 64 * 1024, bed.ecKey));
        assertTrue(second.success(), second.summary());
        assertArrayEquals(Files.readAllBytes(v2), Files.readAllBytes(data.resolve("current/image")));
        assertEquals(Path.of("banks/a"), Files.readSymbolicLink(data.resolve("current")));
        // The previous release is kept in the other bank for rollback.
        assertArrayEquals(Files.readAllBytes(v1), Files.readAllBytes(data.resolve("banks/b/image")));
    }

    @Test
    void republishingTheActiveReleaseAnswersCommitted() throws Exception {
        bed.agent("full-2");
        Path v1 = bed.image("r1.img", 200_000, 3);
        assertTrue(bed.publish(bed.release("full-2", v1, 7, 4096, bed.edKey)).success());
        long modified = Files.getLastModifiedTime(bed.dataDir("full-2").resolve("current/image")).toMillis();
        int mark = bed.watcher.mark();
        Publisher.Outcome again = bed.publish(bed.release("full-2", v1, 7, 4096, bed.edKey));
        assertTrue(again.success(), again.summary());
        // Answered from what is installed: no download started, the image was not rewritten.
        assertTrue(bed.watcher.since(mark, "full-2").stream().noneMatch(s -> s.state() == OtaState.DOWNLOADING));
        assertEquals(modified, Files.getLastModifiedTime(bed.dataDir("full-2").resolve("current/image")).toMillis());
    }
}
