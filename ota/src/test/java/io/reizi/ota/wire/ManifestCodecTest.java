package io.reizi.ota.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {
    static final CBORMapper CBOR = new CBORMapper();
    static final String HASH = "sha256:" + "ab".repeat(32);

    static Map<String, Object> good() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", 1);
        m.put("fw", "router");
        m.put("ver", 12);
        m.put("kind", "image");
        m.put("size", 2500);
        m.put("chunk", 1000);
        m.put("count", 3);
        m.put("hash", HASH);
        m.put("unknown-key", "ignored");
        return m;
    }

    static byte[] cbor(Consumer<Map<String, Object>> change) throws Exception {
        Map<String, Object> m = good();
        change.accept(m);
        return CBOR.writeValueAsBytes(m);
    }

    @Test
    void roundTripsEveryField() throws Exception {
        Manifest m = new Manifest("fw", 7, Optional.of("1.4.2"), Kind.EXEC, Optional.of("bin/app"), 10, 4, 3, HASH,
                Optional.of(List.of("rpi4", "jetson")), Optional.of(2_000_000_000L));
        assertEquals(m, ManifestCodec.decode(ManifestCodec.encode(m)));
        Manifest parsed = ManifestCodec.decode(cbor(x -> {}));
        assertEquals(12, parsed.ver());
        assertEquals(500, parsed.chunkLength(2));
    }

    @Test
    void everyDefectIsMalformed() {
        List<Consumer<Map<String, Object>>> defects = List.of(
                m -> m.remove("v"), m -> m.put("v", 2), m -> m.remove("fw"), m -> m.put("fw", 5),
                m -> m.put("ver", -1), m -> m.put("ver", "12"), m -> m.put("ver", 1.5), m -> m.put("kind", "zip"),
                m -> m.put("size", 0), m -> m.put("chunk", 0), m -> m.put("count", 2), m -> m.put("count", 4),
                m -> m.put("hash", "sha256:" + "AB".repeat(32)), m -> m.put("hash", "sha1:00"),
                m -> m.put("hw", "rpi4"), m -> m.put("hw", List.of(1)), m -> m.put("expires", "soon"),
                m -> m.put("label", 3), m -> m.put("entry", List.of()), m -> m.put("fw", null),
                m -> m.put("size", new java.math.BigInteger("18446744073709551615")), m -> m.put("hw", null));
        for (Consumer<Map<String, Object>> d : defects) {
            Refusal r = assertThrows(Refusal.class, () -> ManifestCodec.decode(cbor(d)));
            assertEquals(ErrorCode.MALFORMED, r.code());
        }
    }

    @Test
    void identifyIsLenient() throws Exception {
        ManifestCodec.Identity id = ManifestCodec.identify(cbor(m -> m.remove("hash")));
        assertEquals(Optional.of(12L), id.ver());
        assertEquals(Optional.of("router"), id.fw());
        assertEquals(Optional.empty(), ManifestCodec.identify(new byte[] {1, 2}).ver());
    }
}
