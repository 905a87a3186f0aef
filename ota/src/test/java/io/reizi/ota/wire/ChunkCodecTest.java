package io.reizi.ota.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ChunkCodecTest {
    static final CBORMapper CBOR = new CBORMapper();

    static byte[] cbor(Consumer<Map<String, Object>> change) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ver", 3);
        m.put("seq", 0);
        m.put("size", 2);
        m.put("hash", "sha256:" + "00".repeat(32));
        m.put("data", new byte[] {7, 8});
        m.put("extra", Map.of("ignored", List.of(1, 2)));
        change.accept(m);
        return CBOR.writeValueAsBytes(m);
    }

    @Test
    void roundTripsAndReadsWhatAnotherEncoderWrites() throws Exception {
        Chunk c = ChunkCodec.of(1_795_000_000L, 41, new byte[] {1, 2, 3, 4, 5});
        Chunk back = ChunkCodec.decode(ChunkCodec.encode(c));
        assertEquals(List.of(c.ver(), c.seq(), c.size(), c.hash()), List.of(back.ver(), back.seq(), back.size(), back.hash()));
        assertArrayEquals(c.data(), back.data());
        Chunk other = ChunkCodec.decode(cbor(m -> {}));
        assertEquals(3, other.ver());
        assertArrayEquals(new byte[] {7, 8}, other.data());
    }

    @Test
    void everyDefectIsMalformedAndNamesTheField() {
        Map<Consumer<Map<String, Object>>, String> defects = new LinkedHashMap<>();
        defects.put(m -> m.remove("data"), "field 'data' is missing");
        defects.put(m -> m.put("data", "0708"), "field 'data' must be a byte string");
        defects.put(m -> m.put("data", null), "field 'data' must be a byte string");
        defects.put(m -> m.put("seq", -1), "field 'seq' must be an unsigned integer");
        defects.put(m -> m.put("seq", new BigInteger("18446744073709551615")), "field 'seq' must be an unsigned integer");
        defects.put(m -> m.put("ver", 1.0), "field 'ver' must be an unsigned integer");
        defects.put(m -> m.put("hash", new byte[32]), "field 'hash' must be text");
        for (var d : defects.entrySet()) {
            Refusal r = assertThrows(Refusal.class, () -> ChunkCodec.decode(cbor(d.getKey())));
            assertEquals(ErrorCode.MALFORMED, r.code());
            assertTrue(r.getMessage().contains(d.getValue()), r.getMessage());
        }
        assertTrue(assertThrows(Refusal.class, () -> ChunkCodec.decode(new byte[0])).getMessage().contains("not a CBOR map"));
        assertTrue(assertThrows(Refusal.class, () -> ChunkCodec.decode(CBOR.writeValueAsBytes(List.of(1))))
                .getMessage().contains("not a CBOR map"));
        assertTrue(assertThrows(Refusal.class, () -> ChunkCodec.decode(new byte[] {(byte) 0xa1, 0x61}))
                .getMessage().contains("not valid CBOR"));
    }
}
