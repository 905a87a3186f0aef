package io.reizi.ota.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * CBOR encoding of the chunk index map, strict like the other codecs (text keys, no duplicates, each field of
 * its type and length; unknown keys ignored as in the manifest), and the device's check of an index against
 * the signed manifest that names it: any disagreement is a {@code malformed} refusal.
 *
 * <p>The index of a large image is megabytes (1.6 MB for 185 MB in 4 KiB chunks): it is decoded in one pass of
 * the streaming parser, without a map of its fields, and its two byte strings are read where they lie in the
 * published bytes, not copied (docs/benchmarks.md, "Delta updates": peak RSS).
 */
public final class ChunkIndexCodec {
    private ChunkIndexCodec() {}

    public static byte[] encode(ChunkIndex index) {
        CborValues.ByteString weak = index.weakBytes();
        CborValues.ByteString strong = index.strongBytes();
        return CborValues.write(weak.length() + strong.length() + 64, g -> {
            g.writeStartObject(5);
            g.writeNumberField("ver", index.ver());
            g.writeNumberField("chunk", index.chunk());
            g.writeNumberField("count", index.count());
            g.writeFieldName("weak");
            g.writeBinary(weak.source(), weak.offset(), weak.length());
            g.writeFieldName("strong");
            g.writeBinary(strong.source(), strong.offset(), strong.length());
            g.writeEndObject();
        });
    }

    /**
     * The index in {@code cbor}, which it then reads its checksums from: the caller hands the bytes over and
     * changes them no more (they are the message as received, or as read back from disk).
     */
    public static ChunkIndex decode(byte[] cbor) throws Refusal {
        Fields f = new Fields(cbor);
        try {
            CborValues.readFields(cbor, f);
        } catch (IOException e) {
            throw malformed("index is not valid CBOR: " + e.getMessage());
        }
        long ver = f.uint("ver");
        long chunk = f.uint("chunk");
        long count = f.uint("count");
        CborValues.ByteString weak = f.bytes("weak");
        CborValues.ByteString strong = f.bytes("strong");
        if (chunk < 1 || chunk > Integer.MAX_VALUE) throw malformed("index chunk " + chunk + " is out of range");
        if (count > Integer.MAX_VALUE / ChunkIndex.STRONG_BYTES) throw malformed("index count " + count + " is out of range");
        if (weak.length() != count * ChunkIndex.WEAK_BYTES) {
            throw malformed("index weak is " + weak.length() + " bytes, count " + count + " needs " + count * ChunkIndex.WEAK_BYTES);
        }
        if (strong.length() != count * ChunkIndex.STRONG_BYTES) {
            throw malformed("index strong is " + strong.length() + " bytes, count " + count + " needs "
                    + count * ChunkIndex.STRONG_BYTES);
        }
        return new ChunkIndex(ver, (int) chunk, (int) count, weak, strong);
    }

    /**
     * The index a signed manifest names, from the bytes as published: refused {@code malformed} when their
     * SHA-256 is not the manifest's {@code index}, when they do not decode, or when {@code ver}, {@code chunk}
     * or {@code count} disagree with the manifest.
     */
    public static ChunkIndex decodeFor(Manifest m, byte[] published) throws Refusal {
        return decodeFor(m, published, Sha256.digest(published));
    }

    /** {@link #decodeFor(Manifest, byte[])} with the SHA-256 of {@code published} already computed (on arrival). */
    public static ChunkIndex decodeFor(Manifest m, byte[] published, byte[] sha256) throws Refusal {
        String named = m.index().orElseThrow(() -> new IllegalArgumentException("the manifest names no index"));
        if (!MessageDigest.isEqual(sha256, Sha256.parse(named))) {
            throw malformed("the chunk index's SHA-256 " + Sha256.text(sha256) + " is not the manifest's index " + named);
        }
        ChunkIndex index = decode(published);
        checkFor(m, index.ver(), index.chunk(), index.count());
        return index;
    }

    /** Refused {@code malformed} when an index's {@code ver}, {@code chunk} or {@code count} disagree with the manifest's. */
    public static void checkFor(Manifest m, long ver, int chunk, int count) throws Refusal {
        if (!agrees(m, ver, chunk, count)) {
            throw malformed("the chunk index (ver " + ver + ", chunk " + chunk + ", count " + count
                    + ") disagrees with the manifest (ver " + m.ver() + ", chunk " + m.chunk() + ", count " + m.count() + ")");
        }
    }

    /** Whether an index's {@code ver}, {@code chunk} and {@code count} are the manifest's. */
    public static boolean agrees(Manifest m, long ver, int chunk, int count) {
        return ver == m.ver() && chunk == m.chunk() && count == m.count();
    }

    /**
     * The index's own fields as the parser meets them: unsigned integers read, byte strings kept where they lie;
     * any other kind is marked and read (checked) like an unknown key's value, then refused once the whole item
     * proved well formed, as the other codecs refuse it.
     */
    private static final class Fields implements CborValues.FieldReader {
        private static final Set<String> UINTS = Set.of("ver", "chunk", "count");
        private static final Set<String> BYTES = Set.of("weak", "strong");
        /** An index field of the wrong kind. */
        private static final Object WRONG_KIND = new Object();
        private final byte[] cbor;
        private final Map<String, Object> values = new HashMap<>();

        Fields(byte[] cbor) {
            this.cbor = cbor;
        }

        @Override
        public boolean take(Object key, JsonToken t, CBORParser p) throws IOException {
            if (!(key instanceof String name)) return false;
            if (UINTS.contains(name)) {
                boolean uint = t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                        && p.getLongValue() >= 0;
                values.put(name, uint ? (Object) p.getLongValue() : WRONG_KIND);
                return uint;
            }
            if (BYTES.contains(name)) {
                boolean bytes = t == JsonToken.VALUE_EMBEDDED_OBJECT;
                values.put(name, bytes ? CborValues.byteString(p, cbor) : WRONG_KIND);
                return bytes;
            }
            return false;
        }

        long uint(String key) throws Refusal {
            if (!values.containsKey(key)) throw malformed("field '" + key + "' is missing");
            if (!(values.get(key) instanceof Long n)) throw malformed("field '" + key + "' must be an unsigned integer");
            return n;
        }

        CborValues.ByteString bytes(String key) throws Refusal {
            if (!values.containsKey(key)) throw malformed("field '" + key + "' is missing");
            if (!(values.get(key) instanceof CborValues.ByteString b)) throw malformed("field '" + key + "' must be a byte string");
            return b;
        }
    }

    private static Refusal malformed(String detail) {
        return new Refusal(ErrorCode.MALFORMED, detail);
    }
}
