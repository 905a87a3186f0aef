package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.reizi.agent.Publisher;
import io.reizi.ota.wire.OtaState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data dir on storage whose every fsync takes {@value #FSYNC_MS} ms, as an SD card's does when it is busy
 * (the project's FUSE layer, {@code powercut-fs --fsync-delay}, which also holds every other request of the data
 * dir behind the flush, like a card's single queue). Slow storage is not a stuck agent: whole updates, the first
 * a full download and the second a delta filled from the first (contract 1.1: the index and the fill write and
 * sync more), are committed, and the agent never panics. Stuck storage is: a disk operation that has not returned
 * within {@code disk-timeout} is a panic, and the agent exits for systemd to restart it.
 */
class SlowStorageTest {
    static final int FSYNC_MS = 400;
    static final int CHUNK = 4096;

    @TempDir
    Path dir;
    private Path devices;

    /** The test bed's data dirs ({@code devices/}) on a card whose every fsync takes {@code fsyncMs}. */
    private void card(int fsyncMs) throws Exception {
        var why = PowerCutFs.unavailable();
        assumeTrue(why.isEmpty(), why.orElse(""));
        devices = Files.createDirectories(dir.resolve("devices"));
        PowerCutFs.mount(Files.createDirectories(dir.resolve("card")), devices, PowerCutFs.Mode.DEFAULT, fsyncMs);
    }

    @AfterEach
    void unmount() throws Exception {
        if (devices != null) PowerCutFs.umount(devices);
    }

    @Test
    void updatesOnStorageWithSlowFsyncsAreCommittedWithoutAPanic() throws Exception {
        card(FSYNC_MS);
        try (TestBed bed = new TestBed(dir)) {
            String id = "sd-card";
            AgentProcess agent = bed.agent(id);
            Path v1 = bed.image("v1.img", 1024 * 1024, 5);
            int mark = bed.watcher.mark();
            Publisher.Outcome first = bed.publish(bed.release(id, v1, 1, CHUNK, bed.edKey));
            assertTrue(first.success(), first.summary());
            bed.watcher.awaitState(mark, id, 1, OtaState.COMMITTED, TestBed.LONG);

            byte[] bytes = Files.readAllBytes(v1);
            Random changes = new Random(6);
            for (int i = 0; i < 8; i++) {
                byte[] region = new byte[CHUNK];
                changes.nextBytes(region);
                System.arraycopy(region, 0, bytes, changes.nextInt(bytes.length - CHUNK), CHUNK);
            }
            Path v2 = Files.write(dir.resolve("v2.img"), bytes);
            int again = bed.watcher.mark();
            Publisher.Outcome second = bed.publish(bed.release(id, v2, 2, CHUNK, bed.edKey));
            assertTrue(second.success(), second.summary());
            bed.watcher.awaitState(again, id, 2, OtaState.COMMITTED, TestBed.LONG);
            assertArrayEquals(bytes, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            assertTrue(agent.log().matches("(?s).*filled [1-9][0-9]* of .*"), "the second update was a delta: " + agent.log());
            assertFalse(agent.log().contains("PANIC"), agent.log());
        }
    }

    @Test
    void aDiskOperationThatDoesNotReturnWithinTheDiskTimeoutIsAPanic() throws Exception {
        card(4000);
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "stuck-card";
            AgentProcess agent = bed.agent(id, "--disk-timeout", "2s");
            Path v1 = bed.image("v1.img", 64 * 1024, 7);
            int mark = bed.watcher.mark();
            raw.manifest(id, RawMqtt.sign(RawMqtt.fields(v1, 1, CHUNK), bed.edKey));
            assertEquals(75, agent.awaitExit(60), agent.log());
            assertTrue(agent.log().contains("PANIC: storage stuck: a disk operation has not returned for"), agent.log());
            assertTrue(bed.watcher.since(mark, id).stream().anyMatch(st -> st.state() == OtaState.RECOVERING),
                    "the panic was reported: " + bed.watcher.since(mark, id));
        }
    }
}
