package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.reizi.ota.wire.Chunk;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Sha256;
import io.reizi.ota.wire.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chunks that fail a check change nothing and stay in `need`; duplicates, reversed order and chunks of
 * another release are harmless; the update still completes byte for byte.
 */
class ChunkRobustnessTest {
    static final int CHUNK = 1024;
    static final int COUNT = 64;

    @TempDir
    Path dir;

    @Test
    void badChunksAreRejectedAndTheUpdateStillCompletes() throws Exception {
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "chunky";
            bed.agent(id);
            Path image = bed.image("img", COUNT * CHUNK - 100, 11);
            byte[] bytes = Files.readAllBytes(image);
            int mark = bed.watcher.mark();
            raw.manifest(id, RawMqtt.sign(RawMqtt.fields(image, 1, CHUNK), bed.edKey));
            Status ready = bed.watcher.await(mark, id, s -> s.need() != null, TestBed.LONG);
            assertEquals("[[0, 63]]", ranges(ready));

            byte[] seq3 = slice(bytes, 3);
            byte[] corrupted = seq3.clone();
            corrupted[10] ^= 0x55;
            raw.chunk(id, ChunkCodec.encode(new Chunk(1, 3, CHUNK, Sha256.text(Sha256.digest(seq3)), corrupted)));
            byte[] short4 = Arrays.copyOf(slice(bytes, 4), 1000);
            raw.chunk(id, ChunkCodec.encode(new Chunk(1, 4, CHUNK, Sha256.text(Sha256.digest(short4)), short4)));
            raw.chunk(id, ChunkCodec.encode(ChunkCodec.of(1, 5, short4)));
            raw.chunk(id, ChunkCodec.encode(ChunkCodec.of(1, COUNT, slice(bytes, 0))));
            raw.chunk(id, ChunkCodec.encode(ChunkCodec.of(2, 6, new byte[CHUNK])));
            Map<String, Object> noHash = new LinkedHashMap<>(Map.of("ver", 1, "seq", 7, "size", CHUNK));
            noHash.put("data", slice(bytes, 7));
            raw.chunk(id, RawMqtt.CBOR.writeValueAsBytes(noHash));
            raw.chunk(id, "garbage".getBytes());

            int sent = bed.watcher.mark();
            for (int seq = COUNT - 1; seq >= 0; seq--) {
                if (seq == 3) continue;
                raw.chunk(id, ChunkCodec.encode(ChunkCodec.of(1, seq, slice(bytes, seq))));
                raw.chunk(id, ChunkCodec.encode(ChunkCodec.of(1, seq, slice(bytes, seq))));
            }
            Status missing = bed.watcher.await(sent, id,
                    s -> s.need() != null && s.received() != null && s.received() == COUNT - 1, TestBed.LONG);
            assertEquals("[[3, 3]]", ranges(missing), "only the corrupted chunk is asked for again");

            raw.chunk(id, ChunkCodec.encode(ChunkCodec.of(1, 3, seq3)));
            bed.watcher.awaitState(sent, id, 1, OtaState.COMMITTED, TestBed.LONG);
            assertArrayEquals(bytes, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
        }
    }

    static String ranges(Status s) {
        return s.need().toString();
    }

    static byte[] slice(byte[] bytes, int seq) {
        int from = seq * CHUNK;
        return Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + CHUNK));
    }
}
