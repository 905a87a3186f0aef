package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publisher;
import io.reizi.ota.wire.Bank;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real agent restarted on a data dir damaged one file at a time (as the attack run did): it starts,
 * says what it repaired, keeps the active release and its anti-rollback floor, and the next update commits.
 */
class DamagedDataDirTest {
    static final String ID = "dd-dev";

    @TempDir
    Path dir;

    /** Restarts the agent and returns the status it reports once up. */
    static Status restart(TestBed bed, AgentProcess agent) throws Exception {
        int mark = bed.watcher.mark();
        agent.start().awaitReady();
        return bed.watcher.await(mark, ID, s -> s.state() == OtaState.IDLE || s.state() == OtaState.DOWNLOADING, TestBed.LONG);
    }

    @Test
    void eachDamageIsRepairedWithAWarningAndTheActiveReleaseAndFloorSurvive() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            AgentProcess agent = bed.agent(ID);
            Path data = bed.dataDir(ID);
            for (long ver = 1; ver <= 2; ver++) {
                Publisher.Outcome o = bed.publish(bed.release(ID, bed.image("v" + ver, 64 * 1024, ver), ver, 4096, bed.edKey));
                assertTrue(o.success(), o.summary());
            }
            agent.stop();

            // v1 went to bank b, v2 to bank a. state.json lost: the mirror keeps bank a, ver 2 (before: "active bank a ver=0", the floor gone).
            Files.delete(data.resolve("state.json"));
            Status up = restart(bed, agent);
            assertEquals(2L, up.activeVer(), up.toString());
            assertEquals(Bank.A, up.active());
            agent.awaitLog("state.json is missing", 1);
            assertTrue(agent.log().lines().anyMatch(l -> l.contains(" WARN  state copy ") && l.contains("state.json is missing")),
                    "the repair warning of the ota module is one line of the agent's log:\n" + agent.log());
            agent.stop();

            // The bank pointer aimed at /etc: pointed back at the bank the state names.
            Files.delete(data.resolve("current"));
            Files.createSymbolicLink(data.resolve("current"), Path.of("/etc"));
            up = restart(bed, agent);
            assertEquals(2L, up.activeVer(), up.toString());
            assertEquals(Path.of("banks/a"), Files.readSymbolicLink(data.resolve("current")));
            agent.awaitLog("is not a link to banks/a or banks/b", 1);
            agent.stop();

            // Garbage panic-exits (invalid UTF-8): discarded, the agent starts.
            Files.write(data.resolve("panic-exits"), new byte[] {(byte) 0xc3, 0x28, '\n', 'x', 'y'});
            up = restart(bed, agent);
            assertEquals(2L, up.activeVer(), up.toString());
            agent.awaitLog("line(s) that are not exit times discarded", 1);
            agent.stop();

            // An interrupted download of ver 3 whose received.bitmap is 200 MB (sparse): the agent, with a 64 MB
            // heap, discards the bitmap, resumes asking for every chunk, and the publisher completes it.
            Path v3 = bed.image("v3", 64 * 1024, 3);
            Manifest m3 = new Manifest(ID, 3, Optional.of("1.0.3"), Kind.IMAGE, Optional.empty(), 64 * 1024, 4096, 16,
                    TestBed.sha256(v3), Optional.empty(), Optional.empty());
            Path inactive = data.resolve("banks/b");
            Files.write(inactive.resolve("download.cose"), CoseSign1.sign(ManifestCodec.encode(m3), bed.edKey));
            Files.write(inactive.resolve("image.part"), new byte[0]);
            try (RandomAccessFile f = new RandomAccessFile(inactive.resolve("received.bitmap").toFile(), "rw")) {
                f.setLength(200L << 20);
            }
            up = restart(bed, agent);
            agent.awaitLog("received.bitmap is 209715200 bytes, not 2", 1);
            Publisher.Outcome o = bed.publish(bed.release(ID, v3, 3, 4096, bed.edKey));
            assertTrue(o.success(), o.summary());
            assertArrayEquals(Files.readAllBytes(v3), Files.readAllBytes(data.resolve("current/image")));

            // The floor held throughout: ver 2 again is refused as a rollback.
            Publisher.Outcome old = bed.publish(bed.release(ID, bed.image("v2", 64 * 1024, 2), 2, 4096, bed.edKey));
            assertTrue(!old.success() && old.summary().contains("rollback_refused"), old.summary());
        }
    }
}
