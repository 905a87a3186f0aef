package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publisher;
import io.reizi.agent.Samples;
import io.reizi.ota.wire.Bank;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trial always ends (issue 11): a release whose preparation throws (here a zip-slip exec bundle) is rolled back
 * with an error code and a detail, the state file leaves the trial, and the next release goes into the other
 * bank, not over the release that runs.
 */
class TrialEndsTest {
    @TempDir
    Path dir;

    private Path zipSlipBundle() throws Exception {
        Path zip = dir.resolve("slip.zip");
        try (OutputStream file = Files.newOutputStream(zip); ZipOutputStream out = new ZipOutputStream(file)) {
            out.putNextEntry(new ZipEntry("bin/run"));
            out.write("#!/bin/sh\nsleep 60\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            out.putNextEntry(new ZipEntry("../../../../slipped"));
            out.write("outside".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return zip;
    }

    @Test
    void aBundleThatBreaksItsTrialIsRolledBackAndTheNextReleaseGoesIntoTheOtherBank() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "slip-dev";
            AgentProcess agent = bed.agent(id, "--trial-window", "2s", "--stop-grace", "1s");
            Path good = Samples.execBundle();
            assertTrue(bed.publish(bed.release(id, good, 1, Kind.EXEC, "bin/counter", 4096, bed.edKey)).success());

            Publisher.Outcome slip = bed.publish(bed.release(id, zipSlipBundle(), 2, Kind.EXEC, "bin/run", 4096, bed.edKey));
            Status s = slip.devices().get(id);
            assertNotNull(s, slip.summary());
            assertEquals(OtaState.ROLLED_BACK, s.state(), slip.summary());
            assertEquals(ErrorCode.MALFORMED, s.error(), "a bundle that would write outside its folder is malformed: " + s.detail());
            assertTrue(s.detail() != null && !s.detail().isBlank());
            assertEquals(1L, s.activeVer());
            assertTrue(Files.readString(bed.dataDir(id).resolve("state.json")).contains("\"trial\" : false"));

            Publisher.Outcome next = bed.publish(bed.release(id, good, 3, Kind.EXEC, "bin/counter", 4096, bed.edKey));
            assertTrue(next.success(), next.summary());
            assertEquals(Bank.A, next.devices().get(id).active(), "ver 3 went into bank a (ver 2's), not over ver 1 in b");
            assertTrue(agent.isAlive());
            assertFalse(agent.log().contains("PANIC"), agent.log());
        }
    }
}
