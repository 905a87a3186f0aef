package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publisher;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import io.reizi.watchdog.NotifyListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Injected faults (the agent's {@code --inject-fault} test hook) with a good link are recovered from and the
 * transfer completes; with the broker gone the agent exits gracefully with code 75 and a restarted agent
 * finishes; repeated panic exits give the update up. systemd is a real AF_UNIX datagram socket here.
 */
class PanicRecoveryTest {
    @TempDir
    Path dir;

    /** Everything systemd would have received, in order. */
    static final class Systemd implements AutoCloseable {
        final NotifyListener socket;
        final List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Thread reader;

        Systemd(Path path) throws Exception {
            socket = NotifyListener.bind(path.toString());
            reader = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        String m = socket.receive(Duration.ofMillis(200));
                        if (m != null) messages.add(m);
                    }
                } catch (Exception ignored) {
                    // closed
                }
            });
        }

        long count(String message) {
            return messages.stream().filter(m -> m.equals(message)).count();
        }

        void await(String message) throws InterruptedException {
            for (int i = 0; i < 300 && messages.stream().noneMatch(m -> m.startsWith(message)); i++) Thread.sleep(50);
            assertTrue(messages.stream().anyMatch(m -> m.startsWith(message)), message + " not in " + messages);
        }

        @Override
        public void close() throws Exception {
            reader.interrupt();
            reader.join(1000);
            socket.close();
        }
    }

    @Test
    void systemdSeesReadyWatchdogPingsTheExtendedTimeoutOnPanicAndStopping() throws Exception {
        try (TestBed bed = new TestBed(dir); Systemd systemd = new Systemd(dir.resolve("notify.sock"))) {
            String id = "sd-dev";
            AgentProcess agent = new AgentProcess(id, bed.broker.url(), bed.dataDir(id), bed.trust,
                    TestBed.logs().resolve(id + ".log"), "--inject-fault", "throw@300")
                    .env("NOTIFY_SOCKET", dir.resolve("notify.sock").toString())
                    .env("WATCHDOG_USEC", "2000000");
            agent.start().awaitReady();
            systemd.await("READY=1");
            Thread.sleep(1200);
            assertTrue(systemd.count("WATCHDOG=1") >= 2, "pings at a fraction of WatchdogSec: " + systemd.messages);

            Path image = bed.image("img", 1024 * 1024, 101);
            Publisher.Outcome outcome = bed.publish(bed.release(id, image, 1, 1024, bed.edKey));
            assertTrue(outcome.success(), outcome.summary());
            assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            assertTrue(agent.log().contains("PANIC: handling a message"), agent.log());
            assertTrue(agent.log().contains("recovered from the panic"), agent.log());
            int extended = systemd.messages.indexOf("WATCHDOG_USEC=5000000");
            int restored = systemd.messages.lastIndexOf("WATCHDOG_USEC=2000000");
            assertTrue(extended >= 0 && restored > extended, "timeout extended, then restored: " + systemd.messages);
            assertTrue(systemd.messages.stream().anyMatch(m -> m.startsWith("STATUS=committed ver 1")));

            assertEquals(143, agent.stop(), "SIGTERM: the JVM's orderly exit status (the unit lists it as success)");
            systemd.await("STOPPING=1");
            assertTrue(agent.log().contains("agent stopped"));
        }
    }

    @Test
    void dataDirFailureAndAStuckPipelineAreRecoveredWithAGoodLink() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            for (String fault : new String[] {"sync-io@2", "block@200"}) {
                String id = "fault-" + fault.replaceAll("[^a-z]", "");
                AgentProcess agent = bed.agent(id, "--inject-fault", fault);
                int mark = bed.watcher.mark();
                Path image = bed.image(id + ".img", 1024 * 1024, 102);
                Publisher.Outcome outcome = bed.publish(bed.release(id, image, 1, 1024, bed.edKey));
                assertTrue(outcome.success(), fault + ": " + outcome.summary());
                assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
                assertTrue(agent.log().contains("recovered from the panic"), agent.log());
                Status recovering = bed.watcher.await(mark, id, s -> s.state() == OtaState.RECOVERING, TestBed.LONG);
                assertTrue(recovering.detail().startsWith("panic: "), recovering.detail());
                assertTrue(agent.isAlive());
            }
        }
    }

    @Test
    void withTheBrokerGoneAPanicExitsGracefullyAndARestartFinishes() throws Exception {
        int chunk = 1024, count = 200;
        RawMqtt raw = null;
        try (TestBed bed = new TestBed(dir)) {
            raw = new RawMqtt(bed.broker.url());
            String id = "cutoff";
            AgentProcess agent = bed.agent(id, "--inject-fault", "sync-io@1", "--sync-interval", "3s",
                    "--sync-chunks", "100000");
            Path image = bed.image("img", chunk * count, 103);
            byte[] bytes = Files.readAllBytes(image);
            int mark = bed.watcher.mark();
            raw.manifest(id, RawMqtt.sign(RawMqtt.fields(image, 1, chunk), bed.edKey));
            bed.watcher.await(mark, id, s -> s.need() != null, TestBed.LONG);
            raw.chunks(id, 1, bytes, chunk, 0, 50);
            bed.watcher.await(mark, id, s -> s.received() != null && s.received() == 50, TestBed.LONG);
            bed.broker.stop(); // the fsync fails 3 s after the first chunk, with no broker to confirm a recovery

            assertEquals(75, agent.awaitExit(30), agent.log());
            assertTrue(agent.log().contains("graceful exit (code 75): network is down"), agent.log());
            Path data = bed.dataDir(id);
            assertTrue(Files.exists(data.resolve("banks/b/download.cose")), "the download's manifest is kept");
            assertTrue(Files.exists(data.resolve("state.json")));

            bed.broker.restart(0);
            int restart = bed.watcher.mark();
            AgentProcess again = bed.agent(id);
            raw.close();
            raw = new RawMqtt(bed.broker.url());
            Status need = bed.watcher.await(restart, id, s -> s.need() != null, TestBed.LONG);
            assertEquals("[[0, 199]]", need.need().toString(),
                    "nothing was synced before the failure: everything is asked for again");
            raw.chunks(id, 1, bytes, chunk, 0, count);
            bed.watcher.awaitState(restart, id, 1, OtaState.COMMITTED, TestBed.LONG);
            assertArrayEquals(bytes, Files.readAllBytes(data.resolve("current/image")));
            assertTrue(again.isAlive());
        } finally {
            if (raw != null) raw.close();
        }
    }

    @Test
    void aCrashLoopGivesTheUpdateUpAndKeepsTheActiveRelease() throws Exception {
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "looper";
            AgentProcess agent = bed.agent(id);
            Path v1 = bed.image("v1", 100_000, 104);
            assertTrue(bed.publish(bed.release(id, v1, 1, 4096, bed.edKey)).success());
            Path v2 = bed.image("v2", 400_000, 105);
            int mark = bed.watcher.mark();
            raw.manifest(id, RawMqtt.sign(RawMqtt.fields(v2, 2, 4096), bed.edKey));
            bed.watcher.await(mark, id, s -> s.need() != null, TestBed.LONG);
            agent.kill9();
            // Three graceful panic exits within the window, as the agent records them.
            long now = System.currentTimeMillis();
            Files.writeString(bed.dataDir(id).resolve("panic-exits"), (now - 3000) + "\n" + (now - 2000) + "\n" + (now - 1000) + "\n");

            int restart = bed.watcher.mark();
            agent.start().awaitReady();
            Status given = bed.watcher.await(restart, id, s -> s.state() == OtaState.FAILED && s.ver() != null && s.ver() == 2,
                    TestBed.LONG);
            assertTrue(given.detail().contains("crash loop"), given.detail());
            assertEquals(1L, given.activeVer());
            assertArrayEquals(Files.readAllBytes(v1), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            assertTrue(!Files.exists(bed.dataDir(id).resolve("panic-exits")), "the count starts afresh");
            // The retained manifest of the given-up release is not downloaded again.
            Status refused = bed.watcher.await(restart, id, s -> s.error() == ErrorCode.ROLLBACK_REFUSED, TestBed.LONG);
            assertNotNull(refused);
            assertTrue(bed.watcher.since(restart, id).stream().noneMatch(s -> s.state() == OtaState.DOWNLOADING));
        }
    }


}
