package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.reizi.agent.Publisher;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's watchdog policy, end to end: a serial watchdog MCU played by the test on a socat pty pair, and
 * the recording stand-in for /dev/watchdog (there is none on these machines).
 */
class WatchdogPolicyTest {
    @TempDir
    Path dir;

    /** The serial watchdog's MCU, played by the test on the far end of a socat pty pair. */
    static final class Mcu implements AutoCloseable {
        final Path agentEnd;
        final List<long[]> kicks = new CopyOnWriteArrayList<>();
        final List<String> commands = new CopyOnWriteArrayList<>();
        private final Process socat;
        private final Thread reader;

        Mcu(Path dir) throws Exception {
            assumeTrue(Files.isExecutable(Path.of("/usr/bin/socat")), "needs socat");
            agentEnd = dir.resolve("ttyAgent");
            Path mcuEnd = dir.resolve("ttyMcu");
            socat = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + agentEnd, "pty,raw,echo=0,link=" + mcuEnd)
                    .redirectErrorStream(true).start();
            for (int i = 0; i < 100 && !Files.exists(mcuEnd); i++) Thread.sleep(20);
            BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(mcuEnd), StandardCharsets.US_ASCII));
            OutputStream out = Files.newOutputStream(mcuEnd);
            reader = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.equals("KICK")) kicks.add(new long[] {System.nanoTime()});
                        else commands.add(line);
                        out.write("OK\n".getBytes());
                        out.flush();
                    }
                } catch (Exception ignored) {
                    // pty closed
                }
            });
        }

        /** The longest time between two kicks (or from the last kick to now) since {@code fromNanos}. */
        long longestGapMs(long fromNanos) {
            long longest = 0, previous = fromNanos;
            for (long[] k : kicks) {
                if (k[0] < fromNanos) continue;
                longest = Math.max(longest, k[0] - previous);
                previous = k[0];
            }
            return Math.max(longest, System.nanoTime() - previous) / 1_000_000;
        }

        @Override
        public void close() throws InterruptedException {
            reader.interrupt();
            socat.destroy();
            socat.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void serialWatchdogIsKickedWhileTheAgentConnectsToABrokerThatIsDown() throws Exception {
        try (TestBed bed = new TestBed(dir); Mcu mcu = new Mcu(dir)) {
            bed.broker.stop();
            String id = "serial-offline";
            try (AgentProcess agent = new AgentProcess(id, bed.broker.url(), bed.dataDir(id), bed.trust,
                    TestBed.logs().resolve(id + ".log"), "--watchdog-serial", mcu.agentEnd.toString())) {
                agent.start();
                for (int i = 0; i < 300 && mcu.kicks.isEmpty(); i++) Thread.sleep(50);
                assertFalse(mcu.kicks.isEmpty(), "no kick within 15 s of the start:\n" + agent.log());
                long firstKick = mcu.kicks.getFirst()[0];
                Thread.sleep(8_000); // connecting all along: refused, retried with backoff
                assertTrue(mcu.longestGapMs(firstKick) < 1000, "a 1 s serial watchdog went "
                        + mcu.longestGapMs(firstKick) + " ms without a kick while connecting:\n" + agent.log());
                assertTrue(agent.log().contains(" READY in "), "READY without the broker:\n" + agent.log());
                bed.broker.restart(0);
                agent.awaitLog("connected to", 1);
                Thread.sleep(1000);
                assertTrue(mcu.longestGapMs(firstKick) < 1000, "kicked across the connect too");
                assertEquals(List.of("TIMEOUT 1000"), mcu.commands, "no panic, no extended timeout");
            }
        }
    }

    @Test
    void serialWatchdogSeesKicksTheExtendedTimeoutOnPanicAndTheAgentGoingSilent() throws Exception {
        try (TestBed bed = new TestBed(dir); Mcu mcu = new Mcu(dir)) {
            List<long[]> kicks = mcu.kicks;
            List<String> commands = mcu.commands;
            String id = "serial-dev";
            AgentProcess agent = bed.agent(id, "--watchdog-serial", mcu.agentEnd.toString(), "--inject-fault", "throw@100");
            Thread.sleep(1000);
            int early = kicks.size();
            assertTrue(early >= 3, "kicked at a fraction of the 1 s timeout: " + early);
            Publisher.Outcome outcome = bed.publish(bed.release(id, bed.image("img", 300_000, 111), 1, 1024, bed.edKey));
            assertTrue(outcome.success(), outcome.summary());
            assertEquals(List.of("TIMEOUT 1000", "TIMEOUT 5000", "TIMEOUT 1000"), commands, "normal, extended on panic, back");

            agent.kill9();
            int atDeath = kicks.size();
            Thread.sleep(1200);
            assertTrue(kicks.size() - atDeath <= 1, "the MCU sees the agent go silent");
            long silentForMs = (System.nanoTime() - kicks.getLast()[0]) / 1_000_000;
            assertTrue(silentForMs > 1000, "no kick for longer than the timeout: the MCU would reset the board");
        }
    }

    @Test
    void hardwareWatchdogIsExtendedOnPanicDisarmedOnlyOnAnOrderlyStop() throws Exception {
        Path record = dir.resolve("watchdog.calls");
        try (TestBed bed = new TestBed(dir)) {
            String id = "hw-dev";
            AgentProcess agent = bed.agent(id, "--watchdog-device", "record:" + record, "--watchdog-extended", "4500ms",
                    "--inject-fault", "throw@50");
            assertTrue(bed.publish(bed.release(id, bed.image("img", 200_000, 112), 1, 1024, bed.edKey)).success());
            Thread.sleep(1000); // kicked every 250 ms meanwhile
            assertEquals(143, agent.stop());
            List<String> calls = Files.readAllLines(record).stream().filter(l -> !l.equals("kick")).toList();
            assertEquals(List.of("open 1000", "timeout 5000", "timeout 1000", "close magic"), calls,
                    "4500 ms rounded up to whole seconds; magic close on an orderly stop");
            long kicks = Files.readAllLines(record).stream().filter(l -> l.equals("kick")).count();
            assertTrue(kicks >= 4, "kicks: " + kicks);

            // A graceful panic exit leaves the watchdog armed.
            Files.delete(record);
            AgentProcess cut = bed.agent("hw-dev2", "--watchdog-device", "record:" + record, "--inject-fault", "sync-io@1",
                    "--sync-interval", "3s");
            int mark = bed.watcher.mark();
            RawMqtt raw = new RawMqtt(bed.broker.url());
            Path image = bed.image("img2", 100 * 1024, 113);
            raw.manifest("hw-dev2", RawMqtt.sign(RawMqtt.fields(image, 1, 1024), bed.edKey));
            // As a publisher does: chunks only once the device has asked (READY comes before its subscription, and
            // a chunk published before it is subscribed is not kept for it; the retained manifest is).
            bed.watcher.await(mark, "hw-dev2", s -> s.need() != null && !s.need().isEmpty(), Duration.ofSeconds(30));
            byte[] bytes = Files.readAllBytes(image);
            raw.chunks("hw-dev2", 1, bytes, 1024, 0, 1);
            raw.close();
            // The chunk must be on the device (its status says so) before the broker goes: its sync, 3 s after it
            // arrived, fails (the injected fault) with the broker down, so recovery cannot be confirmed.
            bed.watcher.await(mark, "hw-dev2", s -> s.received() != null && s.received() >= 1, Duration.ofSeconds(10));
            bed.broker.stop();
            assertEquals(75, cut.awaitExit(30), cut.log());
            List<String> panicCalls = Files.readAllLines(record).stream().filter(l -> !l.equals("kick")).toList();
            assertEquals(List.of("open 1000", "timeout 5000", "close armed"), panicCalls);
        }
    }
}
