package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.reizi.ota.wire.ChunkRange;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data dir on a real, small tmpfs: filled up mid-download, and remounted read-only. Needs root to mount
 * (skipped with a message otherwise). The device reports {@code failed}/{@code no_space} at once with the cause,
 * keeps the chunks it has, never panics, and takes the download up where it stopped.
 */
class DiskFaultsTest {
    static final int CHUNK = 4096;

    @TempDir
    Path dir;
    private Path mount;

    private Path tmpfs(String size) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount a tmpfs as the data dir");
        mount = Files.createDirectories(dir.resolve("devices"));
        run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mount.toString());
        return mount;
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) run("umount", "-l", mount.toString());
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), String.join(" ", command));
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
    }

    /** Writes until the file system says no; the bytes it took. */
    private static long fill(Path file) {
        long written = 0;
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
                written += block.length;
            }
        } catch (IOException full) {
            return written;
        }
    }

    @Test
    void aFullDiskMidDownloadIsNoSpaceAtOnceAndTheDownloadResumesWhereItStopped() throws Exception {
        tmpfs("4m");
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "full";
            AgentProcess agent = bed.agent(id);
            Path image = bed.image("img", 2 * 1024 * 1024, 81);
            byte[] bytes = Files.readAllBytes(image);
            int count = bytes.length / CHUNK;
            byte[] manifest = RawMqtt.sign(RawMqtt.fields(image, 1, CHUNK), bed.edKey);
            int mark = bed.watcher.mark();
            raw.manifest(id, manifest);
            bed.watcher.await(mark, id, s -> s.need() != null, TestBed.LONG);
            raw.chunks(id, 1, bytes, CHUNK, 0, 200);
            bed.watcher.await(mark, id, s -> s.received() != null && s.received() >= 200, TestBed.LONG);
            Thread.sleep(700); // past the sync interval: the 200 chunks are recorded as durable

            Path filler = bed.dataDir(id).resolve("filler");
            assertTrue(fill(filler) > 0);
            int full = bed.watcher.mark();
            long sentAt = System.nanoTime();
            raw.chunks(id, 1, bytes, CHUNK, 200, count);
            Status noSpace = bed.watcher.await(full, id, s -> s.state() == OtaState.FAILED, Duration.ofSeconds(10));
            assertTrue(System.nanoTime() - sentAt < Duration.ofSeconds(10).toNanos());
            assertEquals(ErrorCode.NO_SPACE, noSpace.error());
            assertTrue(noSpace.detail().contains("No space left on device"), noSpace.detail());
            assertEquals(1L, noSpace.ver());
            assertTrue(noSpace.received() >= 200, "the chunks before the disk filled are kept: " + noSpace.received());
            Path bank = bed.dataDir(id).resolve("banks/b");
            assertTrue(Files.exists(bank.resolve("download.cose")) && Files.exists(bank.resolve("image.part")));

            // Space returns and the publisher sends the same manifest again: only what is missing is asked for.
            Files.delete(filler);
            int again = bed.watcher.mark();
            raw.manifest(id, manifest);
            Status need = bed.watcher.await(again, id, s -> s.need() != null, TestBed.LONG);
            List<ChunkRange> ranges = need.need();
            assertTrue(ranges.getFirst().first() >= noSpace.received() - 1 || ranges.getFirst().first() >= 200,
                    "resumes where it stopped, not from chunk 0: " + ranges);
            raw.chunks(id, 1, bytes, CHUNK, ranges.getFirst().first(), count);
            bed.watcher.awaitState(again, id, 1, OtaState.COMMITTED, TestBed.LONG);
            assertArrayEquals(bytes, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            assertFalse(agent.log().contains("PANIC"), agent.log());
        }
    }

    @Test
    void spaceReturningAloneResumesTheDownload() throws Exception {
        tmpfs("4m");
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "waits";
            AgentProcess agent = bed.agent(id);
            Path image = bed.image("img", 2 * 1024 * 1024, 82);
            byte[] bytes = Files.readAllBytes(image);
            int mark = bed.watcher.mark();
            raw.manifest(id, RawMqtt.sign(RawMqtt.fields(image, 1, CHUNK), bed.edKey));
            bed.watcher.await(mark, id, s -> s.need() != null, TestBed.LONG);
            raw.chunks(id, 1, bytes, CHUNK, 0, 100);
            bed.watcher.await(mark, id, s -> s.received() != null && s.received() >= 100, TestBed.LONG);
            Thread.sleep(700);
            Path filler = bed.dataDir(id).resolve("filler");
            fill(filler);
            int full = bed.watcher.mark();
            raw.chunks(id, 1, bytes, CHUNK, 100, bytes.length / CHUNK);
            bed.watcher.await(full, id, s -> s.error() == ErrorCode.NO_SPACE, Duration.ofSeconds(10));
            Files.delete(filler);
            int back = bed.watcher.mark();
            Status need = bed.watcher.await(back, id, s -> s.state() == OtaState.DOWNLOADING && s.need() != null,
                    Duration.ofSeconds(15));
            assertTrue(need.need().getFirst().first() >= 100, "only what is missing: " + need.need());
            assertFalse(agent.log().contains("PANIC"), agent.log());
        }
    }

    @Test
    void aReadOnlyDataDirIsNoSpaceWithItsCauseAndNothingInstalledIsTouched() throws Exception {
        tmpfs("8m");
        try (TestBed bed = new TestBed(dir)) {
            String id = "readonly";
            AgentProcess agent = bed.agent(id);
            Path v1 = bed.image("v1", 100_000, 83);
            assertTrue(bed.publish(bed.release(id, v1, 1, CHUNK, bed.edKey)).success());
            String state = Files.readString(bed.dataDir(id).resolve("state.json"));

            run("mount", "-o", "remount,ro", mount.toString());
            Path v2 = bed.image("v2", 100_000, 84);
            var refused = bed.publish(bed.release(id, v2, 2, CHUNK, bed.edKey));
            assertFalse(refused.success());
            Status s = refused.devices().get(id);
            assertEquals(OtaState.FAILED, s.state());
            assertEquals(ErrorCode.NO_SPACE, s.error());
            assertTrue(s.detail().contains("Read-only file system"), s.detail());
            assertEquals(1L, s.activeVer());

            run("mount", "-o", "remount,rw", mount.toString());
            assertEquals(state, Files.readString(bed.dataDir(id).resolve("state.json")));
            assertArrayEquals(Files.readAllBytes(v1), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            assertTrue(bed.publish(bed.release(id, v2, 2, CHUNK, bed.edKey)).success(), "the next good update commits");
            assertTrue(agent.isAlive());
        }
    }

    @Test
    void aMissingActiveImageIsReportedFailedNeverHealthyAndANewerReleaseRepairsIt() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "no-image";
            AgentProcess agent = bed.agent(id);
            Path v1 = bed.image("v1", 60_000, 85);
            assertTrue(bed.publish(bed.release(id, v1, 1, CHUNK, bed.edKey)).success());
            agent.stop();
            Files.delete(bed.dataDir(id).resolve("banks/b/image"));

            int mark = bed.watcher.mark();
            agent.start().awaitReady();
            Status failed = bed.watcher.await(mark, id, s -> s.state() == OtaState.FAILED, TestBed.LONG);
            assertEquals(1L, failed.ver());
            assertTrue(failed.detail().contains("missing"), failed.detail());
            // The retained manifest of ver 1 comes with the connection: it is not answered "committed".
            Thread.sleep(1000);
            assertTrue(bed.watcher.since(mark, id).stream().noneMatch(s -> s.state() == OtaState.COMMITTED),
                    "never reported healthy");
            assertEquals(OtaState.FAILED, bed.watcher.since(mark, id).getLast().state());

            Path v2 = bed.image("v2", 60_000, 86);
            assertTrue(bed.publish(bed.release(id, v2, 2, CHUNK, bed.edKey)).success(), "a newer release repairs it");
            assertArrayEquals(Files.readAllBytes(v2), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
        }
    }
}
