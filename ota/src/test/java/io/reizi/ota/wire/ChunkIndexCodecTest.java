package io.reizi.ota.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
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

    /**
     * The streaming decoder reads the index's byte strings where they lie in the published bytes: decoding the
     * index of a 185 MB image in 4 KiB chunks (45,056 chunks, 1.6 MB) allocates a small fraction of it. The map
     * decoder before it allocated the two byte strings again (1.6 MB), and a megabyte array outlives the young
     * generation: old-generation pages, peak RSS (docs/benchmarks.md, "Delta updates").
     */
    @Test
    void aLargeIndexIsDecodedInPlaceNotCopied() throws Exception {
        int count = 45_056;
        byte[] weak = new byte[count * ChunkIndex.WEAK_BYTES];
        byte[] strong = new byte[count * ChunkIndex.STRONG_BYTES];
        new java.util.Random(7).nextBytes(weak);
        new java.util.Random(8).nextBytes(strong);
        byte[] published = ChunkIndexCodec.encode(new ChunkIndex(3, 4096, count, weak, strong));
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        ChunkIndexCodec.decode(published); // the parser's first use allocates its reusable buffers
        long before = threads.getThreadAllocatedBytes(id);
        ChunkIndex index = ChunkIndexCodec.decode(published);
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertTrue(allocated < published.length / 20, "decoding a " + published.length + "-byte index allocated "
                + allocated + " bytes");
        // the measure sees a copy: the map decoder's
        before = threads.getThreadAllocatedBytes(id);
        ChunkIndexTreeDecoder.tree(published);
        long byTheMapDecoder = threads.getThreadAllocatedBytes(id) - before;
        assertTrue(byTheMapDecoder > published.length * 9L / 10, "the map decoder allocated " + byTheMapDecoder);
        assertEquals(count, index.count());
        assertEquals(java.nio.ByteBuffer.wrap(weak, (count - 1) * 4, 4).getInt(), index.weak(count - 1));
        assertArrayEquals(java.util.Arrays.copyOfRange(strong, 32 * 100, 32 * 101), index.strong(100));
        assertArrayEquals(published, ChunkIndexCodec.encode(index));
    }

    /** Reading in place never reaches past the index's own range: a seq outside it is an error, not a neighbour's bytes. */
    @Test
    void aSeqOutsideTheIndexIsNotReadFromTheBytesAround() throws Exception {
        ChunkIndex index = ChunkIndexCodec.decode(cbor(m -> {}));
        assertThrows(IndexOutOfBoundsException.class, () -> index.weak(3));
        assertThrows(IndexOutOfBoundsException.class, () -> index.strong(3));
        assertThrows(IndexOutOfBoundsException.class, () -> index.weak(-1));
    }

    /**
     * The streaming decoder refuses exactly what the map decoder it replaced refused ({@link ChunkIndexTreeDecoder},
     * the same strictness as every other topic), and reads the same values from what both accept: on several
     * encodings of a good index (definite and indefinite lengths, long length heads, other key orders, unknown
     * keys with nested values) and every truncation and one-byte change of each.
     */
    @Test
    void theStreamingDecoderAgreesWithTheMapDecoderOnEveryMutation() {
        int accepted = 0;
        int refused = 0;
        byte[] values = {0x00, 0x01, 0x03, 0x17, 0x18, 0x1b, 0x1f, 0x20, 0x40, 0x43, 0x5b, 0x5f, 0x60, 0x63, 0x7f,
                (byte) 0x80, (byte) 0x9f, (byte) 0xa0, (byte) 0xa5, (byte) 0xbf, (byte) 0xc2, (byte) 0xd8,
                (byte) 0xf6, (byte) 0xf7, (byte) 0xf9, (byte) 0xff};
        for (byte[] good : encodings()) {
            List<byte[]> inputs = new ArrayList<>();
            inputs.add(good);
            for (int len = 0; len < good.length; len++) inputs.add(java.util.Arrays.copyOf(good, len));
            for (int at = 0; at < good.length; at++) {
                for (byte v : values) {
                    byte[] changed = good.clone();
                    changed[at] = v;
                    inputs.add(changed);
                }
                byte[] plusOne = good.clone();
                plusOne[at]++;
                inputs.add(plusOne);
                ByteArrayOutputStream inserted = new ByteArrayOutputStream();
                inserted.write(good, 0, at);
                inserted.write(0x00);
                inserted.write(good, at, good.length - at);
                inputs.add(inserted.toByteArray());
            }
            for (byte[] input : inputs) {
                ChunkIndexTreeDecoder.Outcome expected = ChunkIndexTreeDecoder.tree(input);
                assertEquals(expected, ChunkIndexTreeDecoder.streaming(input), HexFormat.of().formatHex(input));
                if (expected.refused()) refused++;
                else accepted++;
            }
        }
        assertTrue(accepted > 500 && refused > 5000, accepted + " accepted, " + refused + " refused");
    }

    /** Hostile twists on an index that is right in every field: refused as the map decoder refused them. */
    @Test
    void anIndexWithAHostileTwistIsMalformed() {
        Map<String, byte[]> twists = new LinkedHashMap<>();
        twists.put("weak tagged", index(head(5), "ver", uint(12), "chunk", uint(1000), "count", uint(3),
                "weak", cat(hex("d840"), bstr(new byte[12])), "strong", bstr(new byte[96])));
        twists.put("weak claims more bytes than there are", cat(index(head(5), "ver", uint(12), "chunk", uint(1000),
                "count", uint(3), "strong", bstr(new byte[96])), text("weak"), hex("5b00000000ffffffff"), new byte[12]));
        twists.put("weak claims 2^64-1 bytes", cat(index(head(5), "ver", uint(12), "chunk", uint(1000),
                "count", uint(3), "strong", bstr(new byte[96])), text("weak"), hex("5bffffffffffffffff"), new byte[12]));
        twists.put("weak in chunks, one of them text", index(head(5), "ver", uint(12), "chunk", uint(1000), "count",
                uint(3), "weak", cat(hex("5f"), bstr(new byte[6]), hex("66"), new byte[6], hex("ff")), "strong",
                bstr(new byte[96])));
        twists.put("a second weak", index(head(6), "ver", uint(12), "chunk", uint(1000), "count", uint(3),
                "weak", bstr(new byte[12]), "strong", bstr(new byte[96]), "weak", bstr(new byte[12])));
        twists.put("an unknown key nested too deep", index(head(6), "ver", uint(12), "chunk", uint(1000), "count",
                uint(3), "weak", bstr(new byte[12]), "strong", bstr(new byte[96]), "x", HostileCborTest.nested(16)));
        twists.put("an unknown key whose text is not UTF-8", index(head(6), "ver", uint(12), "chunk", uint(1000),
                "count", uint(3), "weak", bstr(new byte[12]), "strong", bstr(new byte[96]), "x", hex("63eda080")));
        twists.put("a tag inside an unknown key", index(head(6), "ver", uint(12), "chunk", uint(1000), "count",
                uint(3), "weak", bstr(new byte[12]), "strong", bstr(new byte[96]), "x", hex("c06161")));
        twists.put("trailing bytes", cat(good(head(5)), hex("00")));
        twists.put("the map tagged", cat(hex("d9d9f7"), good(head(5))));
        twists.put("count as a bignum", index(head(5), "ver", uint(12), "chunk", uint(1000), "count", hex("c24103"),
                "weak", bstr(new byte[12]), "strong", bstr(new byte[96])));
        for (var t : twists.entrySet()) {
            assertEquals(ChunkIndexTreeDecoder.tree(t.getValue()), ChunkIndexTreeDecoder.streaming(t.getValue()), t.getKey());
            Refusal r = assertThrows(Refusal.class, () -> ChunkIndexCodec.decode(t.getValue()), t.getKey());
            assertEquals(ErrorCode.MALFORMED, r.code(), t.getKey());
        }
        // and what is only unusual is read, as before: chunked byte strings, an indefinite map, integer keys
        for (byte[] unusual : encodings()) {
            ChunkIndexTreeDecoder.Outcome o = ChunkIndexTreeDecoder.streaming(unusual);
            assertFalse(o.refused(), HexFormat.of().formatHex(unusual));
            assertEquals(ChunkIndexTreeDecoder.tree(unusual), o);
        }
    }

    /** Encodings of one good index (3 chunks), each as another encoder may write it. */
    static List<byte[]> encodings() {
        byte[] weak = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        byte[] strong = new byte[96];
        for (int i = 0; i < strong.length; i++) strong[i] = (byte) (200 - i);
        return List.of(
                index(head(5), "ver", uint(12), "chunk", uint(1000), "count", uint(3), "weak", bstr(weak), "strong", bstr(strong)),
                index(head(5), "strong", bstr(strong), "count", uint(3), "weak", bstr(weak), "chunk", uint(1000), "ver", uint(12)),
                index(head(5), "ver", hex("1b000000000000000c"), "chunk", hex("1903e8"), "count", hex("1a00000003"),
                        "weak", cat(hex("5b000000000000000c"), weak), "strong", cat(hex("5a00000060"), strong)),
                index(head(5), "ver", uint(12), "chunk", uint(1000), "count", uint(3),
                        "weak", cat(hex("5f"), bstr(java.util.Arrays.copyOf(weak, 5)), bstr(java.util.Arrays.copyOfRange(weak, 5, 12)), hex("ff")),
                        "strong", cat(hex("5f"), bstr(strong), hex("ff"))),
                cat(index(hex("bf"), "ver", uint(12), "x", hex("a2 6161 80 01 9f 01 a0 ff".replace(" ", "")), "chunk", uint(1000),
                        "count", uint(3), "weak", bstr(weak), "strong", bstr(strong), "label", text("v12")),
                        hex("01 4100 20 f6 ff".replace(" ", ""))));
    }

    static byte[] good(byte[] head) {
        return index(head, "ver", uint(12), "chunk", uint(1000), "count", uint(3), "weak", bstr(new byte[12]),
                "strong", bstr(new byte[96]));
    }

    /** A map: its head, then text keys and their encoded values. */
    static byte[] index(byte[] head, Object... keysAndValues) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.writeBytes(text((String) keysAndValues[i]));
            out.writeBytes((byte[]) keysAndValues[i + 1]);
        }
        return out.toByteArray();
    }

    static byte[] head(int pairs) {
        return new byte[] {(byte) (0xa0 + pairs)};
    }

    static byte[] uint(int v) {
        return v < 24 ? new byte[] {(byte) v} : v < 256 ? new byte[] {0x18, (byte) v} : new byte[] {0x19, (byte) (v >> 8), (byte) v};
    }

    static byte[] text(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return cat(new byte[] {(byte) (0x60 + b.length)}, b);
    }

    static byte[] bstr(byte[] b) {
        return cat(b.length < 24 ? new byte[] {(byte) (0x40 + b.length)} : new byte[] {0x58, (byte) b.length}, b);
    }

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
