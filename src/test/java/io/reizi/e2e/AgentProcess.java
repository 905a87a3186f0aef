package io.reizi.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real agent process (`reizi agent`), started with the test class path, so that it can be killed -9. */
final class AgentProcess implements AutoCloseable {
    private final List<String> command;
    private final Path log;
    private Process process;
    private int readyBaseline;

    static final long READY_WAIT_MS = 60_000;

    AgentProcess(String id, String broker, Path dataDir, Path trust, Path log, String... extra) {
        this.log = log;
        try {
            Files.deleteIfExists(log); // one log per agent of a test run; restarts append to it
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                "io.reizi.agent.cli.Main", "agent",
                "--id", id, "--broker", broker, "--data-dir", dataDir.toString(), "--trust", trust.toString()));
        command.addAll(List.of(extra));
    }

    private final java.util.Map<String, String> env = new java.util.HashMap<>();

    /** Runs the agent under a wrapper command (e.g. {@code ip netns exec NS}) from the next start on. */
    AgentProcess wrappedIn(List<String> prefix) {
        command.addAll(0, prefix);
        return this;
    }

    /** Environment for the next start (NOTIFY_SOCKET, WATCHDOG_USEC...). */
    AgentProcess env(String name, String value) {
        env.put(name, value);
        return this;
    }

    AgentProcess start() throws IOException {
        readyBaseline = countReady(); // the log may hold earlier runs
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        process = pb
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return this;
    }

    /**
     * Waits for the READY log line of the current run. Generous: start-up time is a benchmark's business
     * (bench/start-ready), and a machine shared by several builds can take seconds to start a JVM.
     */
    AgentProcess awaitReady() throws Exception {
        long deadline = System.currentTimeMillis() + READY_WAIT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (countReady() > readyBaseline) return this;
            if (!process.isAlive()) throw new IllegalStateException("agent exited early:\n" + Files.readString(log));
            Thread.sleep(20);
        }
        throw new IllegalStateException("agent not READY within " + READY_WAIT_MS / 1000 + " s:\n" + Files.readString(log));
    }

    private int countReady() throws IOException {
        if (!Files.exists(log)) return 0;
        return (int) Files.readAllLines(log).stream().filter(l -> l.contains(" READY in ")).count();
    }

    /**
     * Once the agent has exited with {@code code}, starts it again as the unit's {@code Restart=on-failure} would
     * (the agent exits 75 to be restarted: a panic it could not recover from in place). True if it did.
     */
    boolean restartedAfterExit(int code) throws Exception {
        if (process == null || process.isAlive() || process.exitValue() != code) return false;
        start().awaitReady();
        return true;
    }

    /** SIGKILL: no shutdown hook, no final fsync, like a power cut for the process. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) throw new AssertionError("agent alive 10 s after SIGKILL");
    }

    /** Waits for the process to end by itself; its exit code. */
    int awaitExit(long seconds) throws Exception {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) throw new AssertionError("agent still running:\n" + log());
        return process.exitValue();
    }

    /** SIGTERM: an orderly stop. */
    int stop() throws Exception {
        process.destroy();
        return awaitExit(20);
    }

    /** The running agent's process id (it changes at each start). */
    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Waits until {@code text} has appeared in the log at least {@code times} times. */
    void awaitLog(String text, int times) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (log().lines().filter(l -> l.contains(text)).count() < times) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("'" + text + "' not logged " + times + " time(s):\n" + log());
            }
            Thread.sleep(20);
        }
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }
}
