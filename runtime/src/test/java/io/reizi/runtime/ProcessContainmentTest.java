package io.reizi.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exec release's whole process tree ends at a swap, a stop and a crash — daemons that setsid and children that
 * ignore SIGTERM included — and what an agent killed with -9 left running is ended by the next one.
 */
class ProcessContainmentTest {
    @TempDir
    Path dir;
    final List<String> log = new CopyOnWriteArrayList<>();

    /**
     * An app that starts a daemon leaving its session (setsid, then a double fork, SIGTERM ignored) and a child that
     * ignores SIGTERM, each writing its pid into {@code pids} in the state folder, then says READY.
     */
    Path escaper() throws IOException {
        Path daemon = TestApps.script(dir, "daemon", "trap '' TERM; echo $$ >> \"$1\"; while :; do sleep 0.05; done");
        return TestApps.script(dir, "escaper", """
                pids="$REIZI_STATE_DIR/pids"
                echo $$ >> "$pids"
                setsid sh -c '"$0" "$1" &' %1$s "$pids" &
                %1$s "$pids" &
                echo READY
                while :; do sleep 0.05; done
                """.formatted(daemon));
    }

    @AfterEach
    void noStrays() throws IOException {
        // Whatever a test leaves must not outlive it, even when an assertion failed.
        for (long pid : pids()) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    List<Long> pids() throws IOException {
        Path f = dir.resolve("state/pids");
        if (!Files.exists(f)) return List.of();
        return Files.readAllLines(f).stream().filter(l -> !l.isBlank()).map(l -> Long.parseLong(l.trim())).toList();
    }

    static boolean running(long pid) {
        return ProcessTree.Stat.of(pid).filter(s -> !s.zombie()).isPresent();
    }

    void awaitPids(int n) throws Exception {
        for (int i = 0; i < 250 && pids().size() < n; i++) Thread.sleep(20);
        assertEquals(n, pids().size(), "processes started: " + log);
    }

    @Test
    void aSwapEndsDaemonsThatLeftTheSessionAndChildrenThatIgnoreSigterm() throws Exception {
        Path escaper = escaper();
        Path quiet = TestApps.script(dir, "quiet", "echo READY; while :; do sleep 0.05; done");
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(300), log::add)) {
            rt.start(TestApps.release(dir, AppRelease.AppKind.EXEC, 1, null, escaper), Optional.empty());
            awaitPids(3);
            List<Long> v1 = pids();
            // The daemon's parent exits at once: it is adopted by the agent (its subreaper), not by PID 1.
            java.util.function.BooleanSupplier adopted = () -> v1.stream().anyMatch(pid -> ProcessHandle.of(pid)
                    .flatMap(ProcessHandle::parent).map(ProcessHandle::pid).equals(Optional.of(ProcessHandle.current().pid())));
            for (int i = 0; i < 500 && !adopted.getAsBoolean(); i++) Thread.sleep(20);
            assertTrue(adopted.getAsBoolean(), "the daemon was adopted by the agent, not by PID 1");

            rt.swapTo(TestApps.release(dir, AppRelease.AppKind.EXEC, 2, null, quiet));
            for (long pid : v1) assertFalse(running(pid), "v1's process " + pid + " survived the swap: " + log);
            assertTrue(((ExecApp) rt.current()).isAlive(), "v2 runs");
        }
    }

    @Test
    void aStopEndsTheTreeAndAStraySleepOfItToo() throws Exception {
        Path escaper = escaper();
        AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(300), log::add);
        rt.start(TestApps.release(dir, AppRelease.AppKind.EXEC, 1, null, escaper), Optional.empty());
        awaitPids(3);
        rt.close();
        for (long pid : pids()) assertFalse(running(pid), pid + " survived the stop");
        assertTrue(tagged(dir.resolve("state")).isEmpty(), "no process of the app is left at all");
    }

    @Test
    void aCrashEndsWhatTheCrashedProcessLeftBeforeTheRestart() throws Exception {
        // Starts a daemon, then crashes; restarted, it would start a second daemon if the first were left.
        Path daemon = TestApps.script(dir, "daemon", "echo $$ >> \"$1\"; while :; do sleep 0.05; done");
        Path crasher = TestApps.script(dir, "crasher", """
                setsid sh -c '"$0" "$1" &' %s "$REIZI_STATE_DIR/pids" &
                sleep 0.3; exit 1
                """.formatted(daemon));
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(300), log::add)) {
            rt.start(TestApps.release(dir, AppRelease.AppKind.EXEC, 1, null, crasher), Optional.empty());
            awaitPids(2);
            long alive = pids().stream().filter(ProcessContainmentTest::running).count();
            assertEquals(1, alive, "one daemon at a time, not one per restart: " + pids());
        }
    }

    @Test
    void theNextAgentEndsTheTreeAnAgentKilledWithMinus9Left() throws Exception {
        Path escaper = escaper();
        AppRelease v1 = TestApps.release(dir, AppRelease.AppKind.EXEC, 1, null, escaper);
        Path state = dir.resolve("state");
        Process agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                HostedRun.class.getName(), state.toString(), v1.image().toString(), v1.bankDir().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile()).start();
        try {
            awaitPids(3);
        } finally {
            agent.destroyForcibly().waitFor(5, TimeUnit.SECONDS); // kill -9
        }
        List<Long> first = pids();
        for (long pid : first) assertTrue(running(pid), "the first run's app outlived its agent, as after a kill -9");

        try (AppRuntime rt = new AppRuntime(state, Duration.ofMillis(300), log::add)) {
            for (long pid : first) assertFalse(running(pid), pid + " of the previous run is still there: " + log);
            assertTrue(log.stream().anyMatch(l -> l.contains("left running by a previous run")), log.toString());
            rt.start(v1, Optional.empty());
            awaitPids(6);
            assertEquals(3, pids().stream().filter(ProcessContainmentTest::running).count(), "one copy, not two");
        }
        assertTrue(tagged(state).isEmpty());
    }

    @Test
    void anOrphanNobodyWaitsForIsReapedNotLeftAZombie() throws Exception {
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(100), log::add)) {
            rt.start(TestApps.release(dir, AppRelease.AppKind.EXEC, 1, null, TestApps.script(dir, "app", "sleep 10")),
                    Optional.empty()); // the agent is a subreaper from its first app process on
        }
        Thread sweeper = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("reizi-orphan-reaper"))
                .findFirst().orElseThrow();
        assertFalse(AppRuntime.isAppThread(sweeper), "the sweeper is the agent's, whoever started the first app process");
        // Not an app's: as a jar app or a health command would, something the JDK started leaves a child and exits.
        Process parent = new ProcessBuilder("sh", "-c", "sh -c 'sleep 0.3' & echo $!").start();
        long orphan = Long.parseLong(new String(parent.getInputStream().readAllBytes()).trim());
        parent.waitFor();
        boolean zombie = true;
        for (int i = 0; i < 300 && zombie; i++) {
            Thread.sleep(50);
            zombie = ProcessTree.Stat.of(orphan).isPresent();
        }
        assertFalse(zombie, "the orphan " + orphan + " is still in the process table");
    }

    @Test
    void aRecycledPidInTheRecordIsNeverSignalled() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Process bystander = new ProcessBuilder("sleep", "30").start();
        try {
            long realStart = ProcessTree.Stat.of(bystander.pid()).orElseThrow().startTicks();
            // The record of a previous run names this pid, with another start time: the pid was recycled.
            Files.writeString(dir.resolve("state.processes"), bystander.pid() + " " + (realStart - 1) + "\n");
            new AppRuntime(state, Duration.ofMillis(100), log::add).close();
            assertTrue(bystander.isAlive(), "a process that only reuses a recorded pid was killed");
        } finally {
            bystander.destroyForcibly();
        }
    }

    /** Live processes that carry this state folder's tree tag. */
    static List<Long> tagged(Path state) {
        ProcessTree probe = new ProcessTree(AppRuntime.treeTag(state.toAbsolutePath()), state.resolveSibling("probe.processes"), s -> { });
        return probe.alive();
    }

    /** The agent side of the kill -9 test: a runtime in its own JVM hosting one exec release until it is killed. */
    public static final class HostedRun {
        public static void main(String[] args) throws Exception {
            AppRuntime rt = new AppRuntime(Path.of(args[0]), Duration.ofMillis(300), System.out::println);
            rt.start(new AppRelease(AppRelease.AppKind.EXEC, 1, Optional.empty(), Path.of(args[1]), Path.of(args[2])),
                    Optional.empty());
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
