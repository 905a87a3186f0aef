package io.reizi.ota.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ChunkIndexCodecTest {
    static final CBORMapper CBOR = new CBORMapper();

    static Map<String, Object> good() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ver", 12);
        m.put("chunk", 1000);
        m.put("count", 3);
        m.put("weak", new byte[12]);
        m.put("strong", new byte[96]);
        return m;
    }

    static byte[] cbor(Consumer<Map<String, Object>> change) throws Exception {
        Map<String, Object> m = good();
        change.accept(m);
        return CBOR.writeValueAsBytes(m);
    }

    static Manifest manifest(long ver, String index) {
        return new Manifest("fw", ver, Optional.empty(), Kind.IMAGE, Optional.empty(), 2500, 1000, 3,
                "sha256:" + "ab".repeat(32), Optional.empty(), Optional.empty()).withIndex(index);
    }

    @Test
    void roundTripsAndReadsAnotherEncoder() throws Exception {
        byte[] weak = {0, 0, 0, 1, (byte) 0xff, 0, 0, 2, 1, 2, 3, 4};
        byte[] strong = new byte[96];
        strong[40] = 7;
        ChunkIndex i = new ChunkIndex(12, 1000, 3, weak, strong);
        ChunkIndex back = ChunkIndexCodec.decode(ChunkIndexCodec.encode(i));
        assertEquals(1, back.weak(0));
        assertEquals(0xff000002, back.weak(1));
        assertEquals(0x01020304, back.weak(2));
        assertEquals(7, back.strong(1)[8]);
        assertEquals(3, ChunkIndexCodec.decode(cbor(m -> m.put("later-key", "ignored"))).count());
    }

    @Test
    void everyDefectIsMalformed() {
        List<Consumer<Map<String, Object>>> defects = List.of(
                m -> m.remove("ver"), m -> m.put("ver", -1), m -> m.put("ver", "12"), m -> m.remove("chunk"),
                m -> m.put("chunk", 0), m -> m.put("chunk", 1.5), m -> m.remove("count"), m -> m.put("count", 4),
                m -> m.remove("weak"), m -> m.put("weak", new byte[11]), m -> m.put("weak", "aaaa"),
                m -> m.put("weak", List.of(1, 2)), m -> m.remove("strong"), m -> m.put("strong", new byte[97]),
                m -> m.put("strong", null), m -> m.put("count", new java.math.BigInteger("18446744073709551615")),
                m -> m.put("chunk", 1L << 40));
        for (Consumer<Map<String, Object>> d : defects) {
            Refusal r = assertThrows(Refusal.class, () -> ChunkIndexCodec.decode(cbor(d)));
            assertEquals(ErrorCode.MALFORMED, r.code());
        }
        assertThrows(Refusal.class, () -> ChunkIndexCodec.decode(CBOR.writeValueAsBytes(List.of(1))));
        assertThrows(Refusal.class, () -> ChunkIndexCodec.decode(new byte[] {(byte) 0xa1}));
    }

    @Test
    void aDuplicateKeyIsMalformed() {
        // {"ver": 1, "ver": 2, ...}: a map of 2 pairs with the same text key
        byte[] dup = {(byte) 0xa2, 0x63, 'v', 'e', 'r', 0x01, 0x63, 'v', 'e', 'r', 0x02};
        Refusal r = assertThrows(Refusal.class, () -> ChunkIndexCodec.decode(dup));
        assertTrue(r.getMessage().contains("duplicate"), r.getMessage());
    }

    @Test
    void theManifestPinsTheIndexByHashAndFields() throws Exception {
        byte[] published = cbor(m -> {});
        String named = Sha256.text(Sha256.digest(published));
        assertEquals(3, ChunkIndexCodec.decodeFor(manifest(12, named), published).count());
        byte[] altered = published.clone();
        altered[altered.length - 1] ^= 1; // one bit of strong
        Refusal r = assertThrows(Refusal.class, () -> ChunkIndexCodec.decodeFor(manifest(12, named), altered));
        assertEquals(ErrorCode.MALFORMED, r.code());
        // right hash, but the index is of another release / chunking
        for (Consumer<Map<String, Object>> wrong : List.<Consumer<Map<String, Object>>>of(m -> m.put("ver", 13),
                m -> { m.put("chunk", 500); m.put("count", 5); m.put("weak", new byte[20]); m.put("strong", new byte[160]); })) {
            byte[] other = cbor(wrong);
            Refusal r2 = assertThrows(Refusal.class,
                    () -> ChunkIndexCodec.decodeFor(manifest(12, Sha256.text(Sha256.digest(other))), other));
            assertEquals(ErrorCode.MALFORMED, r2.code());
        }
    }

    @Test
    void theManifestIndexKeyIsOptionalAndStrict() throws Exception {
        Manifest v1 = ManifestCodec.decode(ManifestCodecTest.cbor(m -> {}));
        assertEquals(Optional.empty(), v1.index());
        String h = "sha256:" + "cd".repeat(32);
        assertEquals(Optional.of(h), ManifestCodec.decode(ManifestCodecTest.cbor(m -> m.put("index", h))).index());
        Manifest m = manifest(12, h);
        assertEquals(m, ManifestCodec.decode(ManifestCodec.encode(m)));
        for (Object bad : new Object[] {"sha256:" + "CD".repeat(32), 5, new byte[32], "sha1:00"}) {
            assertThrows(Refusal.class, () -> ManifestCodec.decode(ManifestCodecTest.cbor(x -> x.put("index", bad))));
        }
        assertArrayEquals(ManifestCodec.encode(v1), ManifestCodec.encode(ManifestCodec.decode(ManifestCodec.encode(v1))));
    }
}
