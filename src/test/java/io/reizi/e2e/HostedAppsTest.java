package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publisher;
import io.reizi.agent.Samples;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent hosts the active release and hot-swaps it: the sample jar and exec apps, good and broken. */
class HostedAppsTest {
    static final String ENTRY = "io.reizi.samples.CounterApp";
    @TempDir
    Path dir;

    /** Every "counter vN starts at X" the jar app logged, as {N, X}. */
    static List<long[]> counterStarts(AgentProcess agent) throws Exception {
        Matcher m = Pattern.compile("counter v(\\d+) start(?:s|ing) at (\\d+)").matcher(agent.log());
        List<long[]> starts = new java.util.ArrayList<>();
        while (m.find()) starts.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
        return starts;
    }

    @Test
    void jarReleasesAreHotSwappedWithTheirStateAndBrokenOnesRolledBack() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "jar-dev";
            AgentProcess agent = bed.agent(id, "--trial-window", "3s");
            Path v1 = Samples.counterJar();
            assertTrue(bed.publish(bed.release(id, v1, 1, Kind.JAR, ENTRY, 4096, bed.edKey)).success());
            Thread.sleep(300);

            int mark = bed.watcher.mark();
            Path v2 = Samples.counterVariant(dir.resolve("v2.jar"), "ok");
            Publisher.Outcome second = bed.publish(bed.release(id, v2, 2, Kind.JAR, ENTRY, 4096, bed.edKey));
            assertTrue(second.success(), second.summary());
            Status committed = bed.watcher.awaitState(mark, id, 2, OtaState.COMMITTED, TestBed.LONG);
            assertNotNull(committed.swapMs(), "the interruption window is reported");
            assertTrue(committed.swapMs() < 1000, "swap took " + committed.swapMs() + " ms");
            long[] v2start = counterStarts(agent).getLast();
            assertEquals(2, v2start[0]);
            assertTrue(v2start[1] > 0, "v2 took over v1's counter");

            List<String> brokenModes = List.of("never-healthy", "fail-start", "never-healthy,hang-on-stop");
            for (String broken : brokenModes) {
                long ver = 3 + brokenModes.indexOf(broken);
                Path bad = Samples.counterVariant(dir.resolve("v" + ver + ".jar"), broken);
                Publisher.Outcome outcome = bed.publish(bed.release(id, bad, ver, Kind.JAR, ENTRY, 4096, bed.edKey));
                assertFalse(outcome.success(), broken);
                Status s = outcome.devices().get(id);
                assertEquals(OtaState.ROLLED_BACK, s.state(), broken);
                assertEquals(ErrorCode.HEALTH_CHECK_FAILED, s.error());
                assertEquals(2L, s.activeVer());
                long[] again = counterStarts(agent).getLast();
                assertEquals(2, again[0], "v2 runs again after " + broken);
                assertTrue(again[1] >= v2start[1], "with the state it had");
            }
            // v5's stop never returned: its thread cannot be killed, so once the rollback is reported the agent
            // stops in order and exits 75 to shed it; systemd (here the test) starts it again.
            assertEquals(75, agent.awaitExit(20), "the agent restarts to shed the thread of the stop that hung");
            assertTrue(agent.log().contains("restarting (exit 75) to shed them"), "the lingering thread is named");
            agent.start().awaitReady();
            Path entryMissing = Samples.counterVariant(dir.resolve("v6.jar"), "ok");
            Publisher.Outcome cnfe = bed.publish(bed.release(id, entryMissing, 6, Kind.JAR, "io.reizi.samples.Nope", 4096, bed.edKey));
            assertTrue(cnfe.devices().get(id).detail().contains("not found"), cnfe.summary());
            assertTrue(agent.isAlive(), "the agent survived every broken release");
            assertTrue(agent.log().contains("did not stop within"), "the hanging stop was abandoned");
        }
    }

    @Test
    void execBundleRunsIsSwappedAndACrashingOneIsRolledBack() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "exec-dev";
            AgentProcess agent = bed.agent(id, "--trial-window", "2s", "--stop-grace", "1s");
            Path bundle = Samples.execBundle();
            assertTrue(bed.publish(bed.release(id, bundle, 1, Kind.EXEC, "bin/counter", 4096, bed.edKey)).success());
            Thread.sleep(500);
            Publisher.Outcome second = bed.publish(bed.release(id, bundle, 2, Kind.EXEC, "bin/counter", 4096, bed.edKey));
            assertTrue(second.success(), second.summary());
            long[] v2 = counterStarts(agent).getLast();
            assertEquals(2, v2[0]);
            assertTrue(v2[1] > 0, "v2 went on from v1's count in the state folder");
            assertTrue(agent.log().contains("stopping at"), "v1 stopped gracefully on SIGTERM");

            Path crasher = Files.writeString(dir.resolve("crash.sh"), "#!/bin/sh\necho 'about to crash'\nexit 7\n");
            Publisher.Outcome bad = bed.publish(bed.release(id, crasher, 3, Kind.EXEC, null, 4096, bed.edKey));
            assertEquals(OtaState.ROLLED_BACK, bad.devices().get(id).state(), bad.summary());
            assertTrue(agent.log().contains("exited with 7"));
            assertEquals(2, counterStarts(agent).getLast()[0], "v2 runs again");
        }
    }

    @Test
    void kill9DuringAJarTrialRunsItAgainThenRollsBackPastTheLimit() throws Exception {
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "jar-trial";
            AgentProcess agent = bed.agent(id, "--trial-window", "120s");
            assertTrue(bed.publish(bed.release(id, Samples.counterJar(), 1, Kind.JAR, ENTRY, 4096, bed.edKey)).success());
            Path v2 = Samples.counterVariant(dir.resolve("v2.jar"), "never-healthy");
            int mark = bed.watcher.mark();
            bed.publishAsync(bed.release(id, v2, 2, Kind.JAR, ENTRY, 4096, bed.edKey));
            bed.watcher.awaitState(mark, id, 2, OtaState.TRIAL, TestBed.LONG);
            agent.kill9();

            int first = bed.watcher.mark();
            agent.start().awaitReady();
            bed.watcher.awaitState(first, id, 2, OtaState.TRIAL, TestBed.LONG);
            agent.awaitLog("running jar v2", 1); // under the limit, the new release runs again
            agent.kill9();

            int second = bed.watcher.mark();
            agent.start().awaitReady();
            Status back = bed.watcher.awaitState(second, id, 2, OtaState.ROLLED_BACK, TestBed.LONG);
            assertEquals(1L, back.activeVer());
            agent.awaitLog("running jar v1", 1); // v1 runs again
        }
    }
}
