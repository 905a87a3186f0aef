package io.reizi.ota.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.reizi.ota.crypto.CoseSign1;
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile CBOR against every decoder entry point: each returns a value or throws a {@code malformed}
 * {@link Refusal}, never an unchecked exception or an Error. Decoding runs on a thread with a small stack,
 * as the MQTT callback threads of a small device have, so that unbounded recursion shows.
 */
class HostileCborTest {
    /** The entry points that see bytes from the network, each as "decode or refuse". */
    interface Decoder {
        Object decode(byte[] cbor) throws Refusal;
    }

    static final Map<String, Decoder> DECODERS = new LinkedHashMap<>();

    static {
        DECODERS.put("manifest", ManifestCodec::decode);
        DECODERS.put("chunk", ChunkCodec::decode);
        DECODERS.put("chunk index", ChunkIndexCodec::decode);
        DECODERS.put("cose", CoseSign1::decode);
        DECODERS.put("cose payload", cbor -> ManifestCodec.decode(CoseSign1.decode(unsigned(cbor)).payload()));
        DECODERS.put("identify", ManifestCodec::identify);
    }

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h.replace(" ", ""));
    }

    static byte[] nested(int depth) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < depth; i++) out.write(0x81);
        out.write(0x01);
        return out.toByteArray();
    }

    /** A COSE_Sign1 with an alg and a bogus signature around {@code payload}: what an attacker can send. */
    static byte[] unsigned(byte[] payload) {
        return CborValues.write(payload.length + 64, g -> {
            g.writeTag(18);
            g.writeStartArray(null, 4);
            g.writeBinary(hex("a10127"));
            g.writeStartObject(0);
            g.writeEndObject();
            g.writeBinary(payload);
            g.writeBinary(new byte[64]);
            g.writeEndArray();
        });
    }

    /** Runs the decoder on a 256 KiB stack; returns what it threw, or null when it returned. */
    static Throwable outcome(Decoder d, byte[] cbor) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                d.decode(cbor);
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "small-stack decoder", 256 * 1024);
        t.start();
        t.join();
        return thrown.get();
    }

    /** Refused as malformed, or (for the lenient identify) returned: never anything else. */
    static void refusedOrIgnored(String what, byte[] cbor) throws InterruptedException {
        for (var d : DECODERS.entrySet()) {
            Throwable t = outcome(d.getValue(), cbor);
            if (t == null && d.getKey().equals("identify")) continue;
            if (!(t instanceof Refusal r)) {
                fail(what + " on the " + d.getKey() + " decoder: expected a malformed refusal, got " + t, t);
                return;
            }
            assertEquals(ErrorCode.MALFORMED, r.code(), what + " on " + d.getKey() + ": " + r.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {CborValues.MAX_DEPTH + 1, 100, 900, 5000, 100_000})
    void deepNestingIsRefusedOnEveryTopic(int depth) throws Exception {
        refusedOrIgnored("0x81 x " + depth, nested(depth));
        Refusal r = (Refusal) outcome(ManifestCodec::decode, nested(depth));
        assertTrue(r.getMessage().contains("nested deeper than " + CborValues.MAX_DEPTH), r.getMessage());
    }

    @Test
    void nestingUpToTheLimitIsAcceptedInAnUnknownKey() throws Exception {
        Manifest m = ManifestCodec.decode(ManifestCodecTest.cbor(x -> {}));
        byte[] plain = ManifestCodec.encode(m);
        // Splice an unknown key whose value nests as deep as a map member may: the root map is level 1.
        byte[] deepest = nested(CborValues.MAX_DEPTH - 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(plain[0] + 1); // one more pair in the definite-length map header
        out.write(plain, 1, plain.length - 1);
        out.write(hex("6178")); // "x"
        out.write(deepest, 0, deepest.length);
        assertEquals(m, ManifestCodec.decode(out.toByteArray()));
        byte[] tooDeep = out.toByteArray().clone();
        out.reset();
        out.write(tooDeep, 0, tooDeep.length - 1);
        out.write(0x81);
        out.write(0x01);
        assertEquals(ErrorCode.MALFORMED, ((Refusal) outcome(ManifestCodec::decode, out.toByteArray())).code());
    }

    /** One example of each class of hostile item; each must be refused by every decoder. */
    @ParameterizedTest
    @ValueSource(strings = {
        "5b ffffffffffffffff 00",            // byte string claiming 2^64-1 bytes
        "5a 7fffffff 00",                    // byte string claiming 2 GiB in 6 bytes
        "7b 7fffffffffffffff 41",            // text string claiming 2^63 bytes
        "9b ffffffffffffffff 01",            // array claiming 2^64-1 elements
        "bb ffffffffffffffff 6161 01",       // map claiming 2^64-1 pairs
        "9f 01 02",                          // indefinite array without its break
        "bf 6161 01",                        // indefinite map without its break
        "5f 41 00 61 61 ff",                 // indefinite byte string with a text chunk
        "ff",                                // a lone break
        "1c",                                // reserved additional information
        "f8 00",                             // simple value in two bytes below 32
        "a2 6161 01 6161 02",                // duplicate key
        "a1 a0 01",                          // a map as a key
        "a1 f93c00 01",                      // a float as a key
        "a1 c1 01 01",                       // a tagged key
        "a1 1bffffffffffffffff 01",          // an integer key over 2^63
        "d9d9f7 a0",                         // self-described CBOR tag on a map
        "a1 6161 c2 49 010000000000000000",  // a bignum over 2^64 as the only field
        "c3 49 010000000000000000",          // a negative bignum at the root
        "a1 6161 d818 41 00",                // embedded-CBOR tag inside
        "a0 00",                             // trailing bytes after the item
        "62 c328",                           // invalid UTF-8 in text
        "",                                  // nothing at all
    })
    void everyClassOfHostileItemIsMalformed(String item) throws Exception {
        refusedOrIgnored(item, hex(item));
    }

    /** A manifest that is right in every field but one CBOR-level twist: it must not be taken at face value. */
    @Test
    void aValidManifestWithAHostileTwistIsMalformed() throws Exception {
        byte[] plain = ManifestCodec.encode(ManifestCodec.decode(ManifestCodecTest.cbor(x -> {})));
        String h = HexFormat.of().formatHex(plain);
        String header = String.format("%02x", (plain[0] & 0xff) + 1);
        Map<String, String> twists = new LinkedHashMap<>();
        twists.put("duplicate CBOR map key", header + h.substring(2) + "63766572" + "1863"); // a second "ver": 99
        twists.put("trailing bytes", h + "00");
        twists.put("unexpected CBOR tag", h.replace("626677", "626677d820")); // "fw" value as a URI (tag 32)
        for (var t : twists.entrySet()) {
            Refusal r = (Refusal) outcome(ManifestCodec::decode, hex(t.getValue()));
            assertEquals(ErrorCode.MALFORMED, r.code(), t.getKey());
            assertTrue(r.getMessage().contains(t.getKey()), t.getKey() + ": " + r.getMessage());
        }
    }

    /**
     * Fuzzing finding 2 (DecoderFuzzTest#manifest and #chunk): text with a UTF-8 lead byte missing its
     * continuation bytes, or an encoded surrogate, decoded to a lone surrogate that the encoders then
     * failed on (IllegalStateException). Now malformed, in values and in keys.
     */
    @ParameterizedTest
    @ValueSource(strings = {"67 62f66e2f72756e", "63 eda080", "63 edb080", "66 f09f98 616263", "a1 63eda080 01"})
    void textThatIsNotUnicodeIsMalformed(String text) throws Exception {
        byte[] plain = ManifestCodec.encode(ManifestCodec.decode(ManifestCodecTest.cbor(x -> {})));
        String h = HexFormat.of().formatHex(plain);
        String header = String.format("%02x", (plain[0] & 0xff) + 1);
        byte[] withLabel = hex(header + h.substring(2) + "656c6162656c" + text.replace(" ", "")); // "label": text
        Refusal r = (Refusal) outcome(ManifestCodec::decode, withLabel);
        assertEquals(ErrorCode.MALFORMED, r.code());
        assertTrue(r.getMessage().contains("not valid UTF-8"), r.getMessage());
    }

    /** Values of the wrong kind where the contract wants an unsigned integer, in each decoder's fields. */
    @ParameterizedTest
    @ValueSource(strings = {"fb 4000000000000000", "f9 3c00", "20", "3b 7fffffffffffffff", "1b ffffffffffffffff",
            "f6", "f7", "f5", "40", "60", "80", "a0"})
    void wrongKindsOfIntegerAreMalformed(String value) throws Exception {
        byte[] v = hex(value);
        for (String field : List.of("ver", "seq", "size")) {
            byte[] good = ChunkCodec.encode(ChunkCodec.of(1, 0, new byte[] {1}));
            Throwable t = outcome(ChunkCodec::decode, replaceUint(good, field, v));
            assertInstanceOf(Refusal.class, t, field + "=" + value);
            assertTrue(t.getMessage().contains(field), t.getMessage());
        }
    }

    /** Rewrites the small unsigned value of {@code field} in a chunk built by {@link ChunkCodec#encode}. */
    static byte[] replaceUint(byte[] chunk, String field, byte[] value) {
        String h = HexFormat.of().formatHex(chunk);
        String key = HexFormat.of().formatHex(CborValues.write(8, g -> g.writeString(field)));
        int at = h.indexOf(key) + key.length();
        return hex(h.substring(0, at) + HexFormat.of().formatHex(value) + h.substring(at + 2));
    }

    @Test
    void identifyNamesWhatItCanAndNeverThrows() throws Exception {
        assertEquals(Optional.empty(), ManifestCodec.identify(nested(100_000)).ver());
        assertEquals(Optional.empty(), ManifestCodec.identify(hex("a2 6376657201 6376657202")).ver());
    }
}
