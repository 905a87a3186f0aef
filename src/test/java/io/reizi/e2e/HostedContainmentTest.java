package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publisher;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hosted releases stay in their bank and their processes end with them, through the real agent. */
class HostedContainmentTest {
    @TempDir
    Path dir;
    Path pids;

    /** An exec release that records its pid and a daemon's (setsid, SIGTERM ignored) in the state folder. */
    Path daemonizing() throws IOException {
        Path app = dir.resolve("daemonizing.sh");
        Files.writeString(app, """
                #!/bin/sh
                echo $$ >> "$REIZI_STATE_DIR/pids"
                setsid sh -c 'trap "" TERM; echo $$ >> "$0"; while :; do sleep 0.1; done' "$REIZI_STATE_DIR/pids" &
                while :; do sleep 0.1; done
                """);
        return app;
    }

    List<Long> pids() throws IOException {
        if (pids == null || !Files.exists(pids)) return List.of();
        return Files.readAllLines(pids).stream().filter(l -> !l.isBlank()).map(l -> Long.parseLong(l.trim())).toList();
    }

    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException gone) {
            return false;
        }
    }

    void awaitPids(int n) throws Exception {
        for (int i = 0; i < 300 && pids().size() < n; i++) Thread.sleep(50);
        assertEquals(n, pids().size(), "app processes started");
    }

    @AfterEach
    void noStrays() throws IOException {
        for (long pid : pids()) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void kill9DuringAnExecTrialLeavesNoOrphanAndNoSecondCopy() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "exec-trial";
            pids = bed.dataDir(id).resolve("app-state/pids");
            AgentProcess agent = bed.agent(id, "--trial-window", "120s", "--stop-grace", "500ms");
            int mark = bed.watcher.mark();
            bed.publishAsync(bed.release(id, daemonizing(), 1, Kind.EXEC, null, 4096, bed.edKey));
            bed.watcher.awaitState(mark, id, 1, OtaState.TRIAL, TestBed.LONG);
            awaitPids(2);
            List<Long> first = pids();
            agent.kill9();
            for (long pid : first) assertTrue(running(pid), "the app outlived its agent, as after a kill -9");

            int again = bed.watcher.mark();
            agent.start().awaitReady();
            bed.watcher.awaitState(again, id, 1, OtaState.TRIAL, TestBed.LONG);
            awaitPids(4);
            for (long pid : first) assertFalse(running(pid), "process " + pid + " of the killed agent's run is still there");
            assertEquals(2, pids().stream().filter(HostedContainmentTest::running).count(), "one copy of the app");
            assertTrue(agent.log().contains("left running by a previous run"), "the leftovers are logged");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../escaped", "/tmp/reizi-escaped", "bin/../../escaped"})
    void anExecEntryOutsideTheAppFolderIsRefusedMalformed(String entry) throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "entry-dev";
            AgentProcess agent = bed.agent(id);
            Path program = Files.writeString(dir.resolve("prog.sh"), "#!/bin/sh\nwhile :; do sleep 1; done\n");
            Publisher.Outcome bad = bed.publish(bed.release(id, program, 1, Kind.EXEC, entry, 4096, bed.edKey));
            Status s = bad.devices().get(id);
            assertEquals(OtaState.FAILED, s.state(), bad.summary());
            assertEquals(ErrorCode.MALFORMED, s.error());
            assertFalse(Files.exists(Path.of("/tmp/reizi-escaped")) || Files.exists(bed.dataDir(id).resolve("escaped")));
            assertTrue(agent.isAlive());
            assertTrue(bed.publish(bed.release(id, program, 2, Kind.EXEC, "prog", 4096, bed.edKey)).success(),
                    "the next good release commits");
        }
    }

    @Test
    void aZipSlipBundleIsRolledBackAndTheNextGoodOneCommits() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "slip-dev";
            AgentProcess agent = bed.agent(id, "--trial-window", "1s");
            Path zip = dir.resolve("slip.zip");
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
                out.putNextEntry(new ZipEntry("run"));
                out.write("#!/bin/sh\nwhile :; do sleep 1; done\n".getBytes());
                out.putNextEntry(new ZipEntry("bin/../../../../x"));
                out.write("owned".getBytes());
            }
            Path good = Files.writeString(dir.resolve("good.sh"), "#!/bin/sh\nwhile :; do sleep 1; done\n");
            assertTrue(bed.publish(bed.release(id, good, 1, Kind.EXEC, null, 4096, bed.edKey)).success());
            Publisher.Outcome slip = bed.publish(bed.release(id, zip, 2, Kind.EXEC, "run", 4096, bed.edKey));
            Status s = slip.devices().get(id);
            assertEquals(OtaState.ROLLED_BACK, s.state(), slip.summary());
            assertEquals(1L, s.activeVer());
            assertEquals(ErrorCode.MALFORMED, s.error(), s.detail());
            assertTrue(s.detail().contains("points outside the app folder"), s.detail());
            assertFalse(agent.log().contains("PANIC"), "no panic");
            assertTrue(bed.publish(bed.release(id, good, 3, Kind.EXEC, null, 4096, bed.edKey)).success(),
                    "the next good release commits");
        }
    }
}
