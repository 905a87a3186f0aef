package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publication;
import io.reizi.agent.Publisher;
import io.reizi.ota.delta.ChunkIndexBuilder;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.ChunkIndexCodec;
import io.reizi.ota.wire.ChunkRange;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Sha256;
import io.reizi.ota.wire.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Contract 1.1, the chunk index, against real agents and Mosquitto: every chunk authenticated on arrival,
 * delta by chunk reuse from the active release, resumable fill, version 1 unchanged, groups.
 */
class DeltaTest {
    static final int CHUNK = 4096;

    @TempDir
    Path dir;

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** The index a publisher would build for {@code image}, as published. */
    static byte[] index(byte[] image, long ver, int chunk) {
        ChunkIndexBuilder b = new ChunkIndexBuilder();
        for (int off = 0; off < image.length; off += chunk) b.add(image, off, Math.min(chunk, image.length - off));
        return ChunkIndexCodec.encode(b.build(ver, chunk));
    }

    @Test
    void aForgedSelfConsistentChunkIsRefusedOnArrivalAndTheDownloadCompletesWithoutStartingOver() throws Exception {
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "forged";
            AgentProcess agent = bed.agent(id);
            Path image = bed.image("img", 100_000, 11);
            byte[] bytes = Files.readAllBytes(image);
            int count = (bytes.length + CHUNK - 1) / CHUNK;
            byte[] index = index(bytes, 1, CHUNK);
            Map<String, Object> fields = RawMqtt.fields(image, 1, CHUNK);
            fields.put("index", Sha256.text(Sha256.digest(index)));
            int mark = bed.watcher.mark();
            // The manifest before its index: the device waits for it, asks for nothing, drops chunks meanwhile
            raw.manifest(id, RawMqtt.sign(fields, bed.edKey));
            Status waiting = bed.watcher.await(mark, id, s -> s.state() == OtaState.DOWNLOADING, TestBed.LONG);
            assertEquals(List.of(), waiting.need());
            assertTrue(waiting.detail().contains("waiting for the chunk index"), waiting.detail());
            raw.chunks(id, 1, bytes, CHUNK, 0, 2);
            raw.index(id, index);
            Status asked = bed.watcher.await(mark, id, s -> s.need() != null && !s.need().isEmpty(), TestBed.LONG);
            assertEquals("[[0," + (count - 1) + "]]", ranges(asked.need()), "the chunks sent early are asked for");
            // Anyone who can write the chunk topic: the right hash of the wrong data, before the real chunk 3
            byte[] wrong = Arrays.copyOfRange(bytes, 3 * CHUNK, 4 * CHUNK);
            wrong[100] ^= 0x5a;
            raw.chunk(id, ChunkCodec.encode(ChunkCodec.of(1, 3, wrong)));
            agent.awaitLog("does not match the signed chunk index", 1);
            raw.chunks(id, 1, bytes, CHUNK, 0, count);
            Status done = bed.watcher.awaitState(mark, id, 1, OtaState.COMMITTED, TestBed.LONG);
            assertEquals(1L, done.activeVer());
            assertTrue(bed.watcher.since(mark, id).stream().noneMatch(s -> s.error() != null),
                    "no image_hash_mismatch, no start over: " + StatusWatcher.describe(bed.watcher.since(mark, id)));
            assertArrayEquals(bytes, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
        }
    }

    @Test
    void anIndexThatDoesNotMatchTheManifestIsRefusedMalformedAndNothingInstalledChanges() throws Exception {
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "badindex";
            AgentProcess agent = bed.agent(id);
            Path v1 = bed.image("v1", 60_000, 21);
            assertTrue(bed.publish(bed.release(id, v1, 1, CHUNK, bed.edKey)).success());
            Path v2 = bed.image("v2", 60_000, 22);
            byte[] v2bytes = Files.readAllBytes(v2);
            byte[] stateBefore = Files.readAllBytes(bed.dataDir(id).resolve("state.json"));

            // 1. The index on the topic is not the one the manifest names (one bit of strong flipped)
            byte[] good = index(v2bytes, 2, CHUNK);
            byte[] tampered = good.clone();
            tampered[tampered.length - 1] ^= 1;
            int mark = bed.watcher.mark();
            refusedMalformed(bed, raw, id, v2, 2, tampered, good);
            // 2. The manifest names the index it gets, but that index is of another chunking
            byte[] other = index(v2bytes, 3, 2 * CHUNK);
            Status refused3 = refusedMalformed(bed, raw, id, v2, 3, other, other);
            assertEquals(1L, refused3.activeVer());
            assertArrayEquals(Files.readAllBytes(v1), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            assertArrayEquals(stateBefore, Files.readAllBytes(bed.dataDir(id).resolve("state.json")), "state unchanged");
            assertTrue(bed.watcher.since(mark, id).stream().noneMatch(s -> s.need() != null && !s.need().isEmpty()),
                    "nothing asked for");
            assertTrue(agent.isAlive());
        }
    }

    @Test
    void aDeviceWithAnOldReleaseFillsWhatItCanAndTheImageIsByteIdentical() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "delta";
            bed.agent(id);
            byte[] v1 = random(400 * CHUNK + 1000, 31);
            // v2: 3 bytes inserted at 50 000 (everything after shifts), 10 chunks rewritten, a new tail
            byte[] v2 = concat(Arrays.copyOfRange(v1, 0, 50_000), new byte[] {1, 2, 3},
                    Arrays.copyOfRange(v1, 50_000, 200 * CHUNK), random(10 * CHUNK, 32),
                    Arrays.copyOfRange(v1, 210 * CHUNK, v1.length), random(5000, 33));
            Path p1 = Files.write(dir.resolve("v1.img"), v1);
            Path p2 = Files.write(dir.resolve("v2.img"), v2);
            assertTrue(bed.publish(bed.release(id, p1, 1, CHUNK, bed.edKey)).success());
            int mark = bed.watcher.mark();
            Publisher.Outcome outcome = bed.publish(bed.release(id, p2, 2, CHUNK, bed.edKey));
            assertTrue(outcome.success(), outcome.summary());
            assertArrayEquals(v2, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            Status asked = bed.watcher.await(mark, id, s -> s.need() != null && !s.need().isEmpty(), TestBed.LONG);
            int count = (v2.length + CHUNK - 1) / CHUNK;
            assertTrue(asked.reused() > count * 8 / 10, "reused " + asked.reused() + " of " + count);
            assertEquals(asked.received(), asked.reused());
            assertTrue(asked.reusedBytes() >= (long) asked.reused() * CHUNK - CHUNK, "reused_bytes " + asked.reusedBytes());
            assertTrue(outcome.bytesSent() < v2.length / 5, outcome.bytesSentLine());
            assertTrue(outcome.chunksPublished() < count - asked.reused() + 5, "chunks published " + outcome.chunksPublished());
            assertTrue(outcome.bytesSentLine().startsWith("sent "), outcome.bytesSentLine());
        }
    }

    /**
     * The fill of a large image takes longer than the pipeline's heartbeat timeout: the heartbeat must go on
     * meanwhile, or the guardian calls the pipeline stuck and panics (bench/delta's 185 MB root file system did,
     * exit 75, when the fill ran on the MQTT thread under the update's lock without feeding it). The fill is made
     * to last over 3 s ({@code slow-fill@1}: 3,000 chunks, 1 ms each) against a 1 s heartbeat timeout. A shorter
     * timeout (200 ms) made the test fail on a loaded machine before the fill began: the manifest's acceptance
     * fsyncs files under the update's lock, which is what the heartbeat is there to see, not the fill.
     */
    @Test
    void aLongFillFeedsTheHeartbeatAndDoesNotPanic() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "bigfill";
            int chunk = 4096;
            byte[] v1 = random(3072 * chunk, 41);
            byte[] v2 = v1.clone();
            for (int k = 0; k < 20; k++) v2[k * (v2.length / 20)] ^= 0x5a; // 20 chunks changed
            Path p1 = Files.write(dir.resolve("big1.img"), v1);
            Path p2 = Files.write(dir.resolve("big2.img"), v2);
            // v1 streamed whole with the default heartbeat timeout: the short one is for the fill of v2
            AgentProcess first = bed.agent(id);
            assertTrue(bed.publish(bed.release(id, p1, 1, chunk, bed.edKey)).success());
            first.stop();
            try (AgentProcess agent = new AgentProcess(id, bed.broker.url(), bed.dataDir(id), bed.trust,
                    TestBed.logs().resolve(id + "-v2.log"), "--heartbeat-timeout", "1s", "--inject-fault", "slow-fill@1")) {
                agent.start().awaitReady();
                Publisher.Outcome outcome = bed.publish(bed.release(id, p2, 2, chunk, bed.edKey));
                assertTrue(outcome.success(), outcome.summary());
                assertFalse(agent.log().contains("PANIC"), agent.log());
                assertTrue(agent.log().contains("filled 3052 of 3072 chunks"), agent.log());
                assertArrayEquals(v2, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
                assertTrue(outcome.chunksPublished() <= 40, "chunks published " + outcome.chunksPublished());
            }
        }
    }

    @Test
    void killedDuringTheFillTheDownloadResumesAndTheImageIsByteIdentical() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "fillkill";
            AgentProcess agent = bed.agent(id, "--sync-chunks", "8", "--inject-fault", "halt-fill@40");
            byte[] v1 = random(200 * CHUNK, 41);
            byte[] v2 = concat(random(7, 42), v1, random(3 * CHUNK, 43));
            Path p1 = Files.write(dir.resolve("v1.img"), v1);
            Path p2 = Files.write(dir.resolve("v2.img"), v2);
            assertTrue(bed.publish(bed.release(id, p1, 1, CHUNK, bed.edKey)).success());
            int mark = bed.watcher.mark();
            CompletableFuture<Publisher.Outcome> publishing = bed.publishAsync(bed.release(id, p2, 2, CHUNK, bed.edKey));
            assertEquals(137, agent.awaitExit(30), agent.log());
            assertTrue(agent.log().contains("killed once 40 filled chunks are durable"), agent.log());

            try (AgentProcess again = new AgentProcess(id, bed.broker.url(), bed.dataDir(id), bed.trust,
                    TestBed.logs().resolve(id + "-restart.log"))) {
                again.start().awaitReady();
                Publisher.Outcome outcome = publishing.get(60, TimeUnit.SECONDS);
                assertTrue(outcome.success(), outcome.summary());
                assertTrue(again.log().contains("resuming download of ver=2: 40/"), again.log());
                assertTrue(again.log().contains("filled 159 of 204 chunks"), "the index kept with the download: the"
                        + " fill goes on at once\n" + again.log());
                assertArrayEquals(v2, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
                int count = (v2.length + CHUNK - 1) / CHUNK;
                Status asked = bed.watcher.await(mark, id, s -> s.need() != null && !s.need().isEmpty(), TestBed.LONG);
                assertTrue(asked.received() >= 195, "after the restart the fill went on: " + asked.received() + "/" + count);
                assertTrue(outcome.bytesSent() < v2.length / 10, outcome.bytesSentLine());
            }
        }
    }

    /** v1 of {@code chunks} chunks installed whole on agent {@code id}; returns v2: v1 with 3 chunks changed. */
    static byte[] installV1AndMakeV2(TestBed bed, Path dir, String id, int chunks) throws Exception {
        byte[] v1 = random(chunks * CHUNK, 61);
        byte[] v2 = v1.clone();
        for (int k = 1; k <= 3; k++) v2[k * (chunks / 4) * CHUNK + 10] ^= 0x5a;
        assertTrue(bed.publish(bed.release(id, Files.write(dir.resolve(id + "-v1.img"), v1), 1, CHUNK, bed.edKey)).success());
        return v2;
    }

    /** Publishes v2's index and manifest as a publisher does, without sending a chunk. */
    static void offer(TestBed bed, RawMqtt raw, Path dir, String id, byte[] v2) throws Exception {
        Path image = Files.write(dir.resolve(id + "-v2.img"), v2);
        byte[] index = index(v2, 2, CHUNK);
        Map<String, Object> fields = RawMqtt.fields(image, 2, CHUNK);
        fields.put("index", Sha256.text(Sha256.digest(index)));
        raw.index(id, index);
        raw.manifest(id, RawMqtt.sign(fields, bed.edKey));
    }

    /** An agent whose fill of v2 (v1 with 3 chunks changed) has begun, each copy {@code msPerChunk} ms long. */
    record Filling(AgentProcess agent, byte[] v2, int mark) {}

    static Filling filling(TestBed bed, RawMqtt raw, Path dir, String id, int chunks, int msPerChunk) throws Exception {
        AgentProcess agent = bed.agent(id, "--status-interval", "200ms", "--inject-fault", "slow-fill@" + msPerChunk);
        byte[] v2 = installV1AndMakeV2(bed, dir, id, chunks);
        int mark = bed.watcher.mark();
        offer(bed, raw, dir, id, v2);
        bed.watcher.await(mark, id, DeltaTest::filling, TestBed.LONG);
        return new Filling(agent, v2, mark);
    }

    static boolean filling(Status s) {
        return s.detail() != null && s.detail().startsWith("filling chunks");
    }

    /**
     * The fill runs off the MQTT thread and outside the update's lock: while it runs, the timer still sends the
     * progress (the update machine and the link are served), and nothing is asked for until it ended.
     */
    @Test
    void whileALongFillRunsTheLinkIsServedAndNothingIsAskedFor() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "longfill";
            AgentProcess agent = bed.agent(id, "--status-interval", "200ms", "--inject-fault", "slow-fill@10");
            byte[] v2 = installV1AndMakeV2(bed, dir, id, 300);
            int mark = bed.watcher.mark();
            Publisher.Outcome outcome = bed.publish(bed.release(id, Files.write(dir.resolve("v2.img"), v2), 2, CHUNK,
                    bed.edKey));
            assertTrue(outcome.success(), outcome.summary());
            assertArrayEquals(v2, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            List<Status> seen = bed.watcher.since(mark, id);
            int firstNeed = seen.indexOf(seen.stream().filter(s -> s.need() != null && !s.need().isEmpty()).findFirst()
                    .orElseThrow());
            List<Status> during = seen.subList(0, firstNeed).stream().filter(DeltaTest::filling).toList();
            assertTrue(during.size() >= 3, "progress went out during a fill of ~3 s: " + StatusWatcher.describe(seen));
            assertTrue(during.getLast().received() > during.getFirst().received(), "the progress is the fill's: "
                    + StatusWatcher.describe(during));
            assertTrue(seen.stream().filter(DeltaTest::filling).allMatch(s -> s.need() == null),
                    "nothing asked for during the fill: " + StatusWatcher.describe(seen));
            assertTrue(seen.subList(firstNeed, seen.size()).stream().noneMatch(DeltaTest::filling),
                    StatusWatcher.describe(seen));
            assertEquals(297, seen.get(firstNeed).reused(), StatusWatcher.describe(seen));
            assertFalse(agent.log().contains("PANIC"), agent.log());
        }
    }

    /** A withdrawn manifest during the fill: the fill stops at once, nothing of the download stays recorded. */
    @Test
    void aManifestWithdrawnDuringTheFillStopsItAndNothingStaysRecorded() throws Exception {
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "fillcancel";
            Filling f = filling(bed, raw, dir, id, 300, 50);
            AgentProcess agent = f.agent();
            int mark = f.mark();
            raw.manifest(id, new byte[0]);
            bed.watcher.await(mark, id, x -> x.state() == OtaState.IDLE && x.detail() != null
                    && x.detail().contains("withdrawn"), TestBed.LONG);
            agent.awaitLog("chunk fill of ver=2 stopped", 1);
            Thread.sleep(500); // a fill that went on would write and log within this
            String log = agent.log();
            assertFalse(log.substring(log.indexOf("manifest accepted: fw=test-fw ver=2")).contains("filled "), log);
            List<Status> seen = bed.watcher.since(mark, id);
            assertTrue(seen.stream().noneMatch(s -> s.need() != null && !s.need().isEmpty()), StatusWatcher.describe(seen));
            try (var files = Files.walk(bed.dataDir(id))) {
                List<String> left = files.map(file -> file.getFileName().toString())
                        .filter(n -> Set.of("received.bitmap", "download.cose", "download.index", "reused.bitmap").contains(n))
                        .toList();
                assertEquals(List.of(), left, "the download's records are gone");
            }
            assertEquals(1L, bed.watcher.since(mark, id).getLast().activeVer());
        }
    }

    /** A newer release during the fill: the fill stops, writes nothing more, and the newer one installs whole. */
    @Test
    void aNewerManifestDuringTheFillStopsItAndTheNewerReleaseInstalls() throws Exception {
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "fillnewer";
            Filling f = filling(bed, raw, dir, id, 300, 50);
            AgentProcess agent = f.agent();
            byte[] v2 = f.v2();
            int mark = f.mark();
            byte[] v3 = concat(random(3 * CHUNK, 71), v2);
            Publisher.Outcome outcome = bed.publish(bed.release(id, Files.write(dir.resolve("v3.img"), v3), 3, CHUNK,
                    bed.edKey));
            assertTrue(outcome.success(), outcome.summary());
            assertArrayEquals(v3, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            String log = agent.log();
            assertTrue(log.contains("chunk fill of ver=2 stopped"), log);
            assertTrue(bed.watcher.since(mark, id).stream().noneMatch(x -> x.ver() != null && x.ver() == 2
                    && x.need() != null && !x.need().isEmpty()), "ver 2 asked for nothing");
        }
    }

    /** Chunks that arrive during the fill are checked and kept; the fill does not copy them again. */
    @Test
    void chunksArrivingDuringTheFillAreKeptAndNotFilledAgain() throws Exception {
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "fillchunks";
            Filling f = filling(bed, raw, dir, id, 100, 20);
            AgentProcess agent = f.agent();
            byte[] v2 = f.v2();
            int mark = f.mark();
            raw.chunks(id, 2, v2, CHUNK, 0, 100); // the whole release, as a group's stream would bring it
            Status done = bed.watcher.awaitState(mark, id, 2, OtaState.TRIAL, TestBed.LONG);
            assertEquals(2L, done.activeVer());
            assertArrayEquals(v2, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            List<Status> seen = bed.watcher.since(mark, id);
            assertTrue(seen.stream().noneMatch(x -> x.need() != null && !x.need().isEmpty()),
                    "everything arrived or was filled before the fill ended: nothing to ask for " + StatusWatcher.describe(seen));
            java.util.regex.Matcher filled = java.util.regex.Pattern.compile("filled (\\d+) of 100 chunks .*; 100 chunks on disk")
                    .matcher(agent.log());
            assertTrue(filled.find(), agent.log());
            assertTrue(Integer.parseInt(filled.group(1)) < 97, "a chunk received during the fill is not copied again: "
                    + filled.group());
        }
    }

    /** {@code reused} is the download's, not the process's: kill -9 after the fill, and the restart reports it still. */
    @Test
    void reusedIsStillReportedAfterAKillAfterTheFill() throws Exception {
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "reusedkill";
            AgentProcess agent = bed.agent(id);
            byte[] v2 = installV1AndMakeV2(bed, dir, id, 100);
            int mark = bed.watcher.mark();
            offer(bed, raw, dir, id, v2);
            Status asked = bed.watcher.await(mark, id, s -> s.need() != null && !s.need().isEmpty(), TestBed.LONG);
            assertEquals(97, asked.reused(), StatusWatcher.describe(bed.watcher.since(mark, id)));
            agent.kill9();
            int again = bed.watcher.mark();
            try (AgentProcess restarted = new AgentProcess(id, bed.broker.url(), bed.dataDir(id), bed.trust,
                    TestBed.logs().resolve(id + "-restart.log"))) {
                restarted.start().awaitReady();
                Status resumed = bed.watcher.await(again, id, s -> s.need() != null && !s.need().isEmpty(), TestBed.LONG);
                assertEquals(97, resumed.reused(), restarted.log());
                assertEquals(asked.reusedBytes(), resumed.reusedBytes());
                assertEquals(97L * CHUNK, resumed.reusedBytes());
                raw.chunks(id, 2, v2, CHUNK, 0, 100);
                Status done = bed.watcher.awaitState(again, id, 2, OtaState.TRIAL, TestBed.LONG);
                assertEquals(2L, done.activeVer());
                assertArrayEquals(v2, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            }
        }
    }

    @Test
    void aVersion1ManifestWithoutIndexStillWorks() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            String id = "v1";
            bed.agent(id);
            Path p1 = bed.image("v1.img", 50 * CHUNK, 51);
            byte[] v2 = concat(Files.readAllBytes(p1), random(100, 52));
            Path p2 = Files.write(dir.resolve("v2.img"), v2);
            assertTrue(bed.publish(bed.release(id, p1, 1, CHUNK, bed.edKey).toBuilder().index(false).build()).success());
            int mark = bed.watcher.mark();
            Publisher.Outcome outcome = bed.publish(bed.release(id, p2, 2, CHUNK, bed.edKey).toBuilder().index(false).build());
            assertTrue(outcome.success(), outcome.summary());
            assertArrayEquals(v2, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            Status asked = bed.watcher.await(mark, id, s -> s.need() != null && !s.need().isEmpty(), TestBed.LONG);
            assertNull(asked.reused(), "a version-1 download reuses nothing and says nothing of it");
            assertEquals(new ChunkRange(0, 50), asked.need().get(0));
            assertTrue(outcome.bytesSent() > v2.length, outcome.bytesSentLine());
        }
    }

    @Test
    void aGroupWhoseMembersRunDifferentOldReleasesEachAskOnlyForWhatTheyLack() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            byte[] a = random(20 * CHUNK, 61);
            byte[] b = random(20 * CHUNK, 62);
            byte[] c = random(10 * CHUNK, 63);
            byte[] d = random(30 * CHUNK, 64);
            Path oldG1 = Files.write(dir.resolve("g1-v1.img"), concat(a, d));
            Path oldG2 = Files.write(dir.resolve("g2-v1.img"), concat(d, b));
            byte[] v2 = concat(a, b, c, d); // g1 lacks b and c (chunks 20..49), g2 lacks a and c (0..19, 40..49)
            Path p2 = Files.write(dir.resolve("v2.img"), v2);
            bed.agent("g1", "--group", "fleet");
            bed.agent("g2", "--group", "fleet");
            assertTrue(bed.publish(bed.release("g1", oldG1, 1, CHUNK, bed.edKey)).success());
            assertTrue(bed.publish(bed.release("g2", oldG2, 1, CHUNK, bed.edKey)).success());
            int mark = bed.watcher.mark();
            Set<String> fleet = Set.of("g1", "g2");
            Publisher.Outcome outcome = bed.publish(Publication.builder(bed.broker.url(), "fleet", p2, 2, bed.edKey)
                    .group("fleet", fleet).label(Optional.of("2.0")).chunk(CHUNK).timeout(TestBed.LONG).build());
            assertTrue(outcome.success(), outcome.summary());
            for (String id : fleet) assertArrayEquals(v2, Files.readAllBytes(bed.dataDir(id).resolve("current/image")), id);
            Status g1 = bed.watcher.await(mark, "g1", s -> s.need() != null && !s.need().isEmpty(), TestBed.LONG);
            Status g2 = bed.watcher.await(mark, "g2", s -> s.need() != null && !s.need().isEmpty(), TestBed.LONG);
            // Each asks for what it lacks and nothing else: g1 for b and c, g2 for a and c. The fills run side by side
            // and chunks that arrive during a fill are kept: c, served for the member whose fill ended first, may be
            // on the other's disk before it asks.
            assertTrue(Set.of("[[20,49]]", "[[20,39]]").contains(ranges(g1.need())), ranges(g1.need()));
            assertTrue(Set.of("[[0,19],[40,49]]", "[[0,19]]").contains(ranges(g2.need())), ranges(g2.need()));
            for (Status g : List.of(g1, g2)) {
                // d, which neither asks for, is filled on both; a chunk kept from the group's stream is not reused
                assertTrue(g.reused() >= 30 && g.reused() <= 50, g.id() + " reused " + g.reused());
                assertEquals(80, g.received() + g.need().stream().mapToInt(r -> r.last() - r.first() + 1).sum(),
                        g.id() + " asks for exactly what it does not hold: " + ranges(g.need()));
            }
            // the union of the needs is 50 of 80 chunks: d is never sent
            assertTrue(outcome.bytesSent() < (long) 60 * CHUNK, outcome.bytesSentLine());
        }
    }

    /** Publishes {@code published} as the index and a manifest of {@code ver} naming {@code named}'s hash: refused malformed. */
    static Status refusedMalformed(TestBed bed, RawMqtt raw, String id, Path image, long ver, byte[] published,
            byte[] named) throws Exception {
        raw.index(id, published);
        Map<String, Object> fields = RawMqtt.fields(image, ver, CHUNK);
        fields.put("index", Sha256.text(Sha256.digest(named)));
        int mark = bed.watcher.mark();
        raw.manifest(id, RawMqtt.sign(fields, bed.edKey));
        Status refused = bed.watcher.await(mark, id, s -> s.state() == OtaState.FAILED, TestBed.LONG);
        assertEquals(ErrorCode.MALFORMED, refused.error(), refused.detail());
        assertEquals(ver, refused.ver());
        return refused;
    }

    static String ranges(List<ChunkRange> need) {
        return need.toString().replace(" ", "");
    }
}
