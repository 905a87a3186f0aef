package io.reizi.ota.wire;

import java.security.MessageDigest;
import java.util.Map;

/**
 * CBOR encoding of the chunk index map, strict like the other codecs (text keys, no duplicates, each field of
 * its type and length; unknown keys ignored as in the manifest), and the device's check of an index against
 * the signed manifest that names it: any disagreement is a {@code malformed} refusal.
 */
public final class ChunkIndexCodec {
    private ChunkIndexCodec() {}

    public static byte[] encode(ChunkIndex index) {
        byte[] weak = index.weakBytes();
        byte[] strong = index.strongBytes();
        return CborValues.write(weak.length + strong.length + 64, g -> {
            g.writeStartObject(5);
            g.writeNumberField("ver", index.ver());
            g.writeNumberField("chunk", index.chunk());
            g.writeNumberField("count", index.count());
            g.writeBinaryField("weak", weak);
            g.writeBinaryField("strong", strong);
            g.writeEndObject();
        });
    }

    public static ChunkIndex decode(byte[] cbor) throws Refusal {
        Map<?, ?> root = ManifestCodec.rootMap(cbor, "index");
        long ver = ManifestCodec.uint(root, "ver");
        long chunk = ManifestCodec.uint(root, "chunk");
        long count = ManifestCodec.uint(root, "count");
        byte[] weak = bytes(root, "weak");
        byte[] strong = bytes(root, "strong");
        if (chunk < 1 || chunk > Integer.MAX_VALUE) throw malformed("index chunk " + chunk + " is out of range");
        if (count > Integer.MAX_VALUE / ChunkIndex.STRONG_BYTES) throw malformed("index count " + count + " is out of range");
        if (weak.length != count * ChunkIndex.WEAK_BYTES) {
            throw malformed("index weak is " + weak.length + " bytes, count " + count + " needs " + count * ChunkIndex.WEAK_BYTES);
        }
        if (strong.length != count * ChunkIndex.STRONG_BYTES) {
            throw malformed("index strong is " + strong.length + " bytes, count " + count + " needs "
                    + count * ChunkIndex.STRONG_BYTES);
        }
        return new ChunkIndex(ver, (int) chunk, (int) count, weak, strong, true);
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
        if (index.ver() != m.ver() || index.chunk() != m.chunk() || index.count() != m.count()) {
            throw malformed("the chunk index (ver " + index.ver() + ", chunk " + index.chunk() + ", count " + index.count()
                    + ") disagrees with the manifest (ver " + m.ver() + ", chunk " + m.chunk() + ", count " + m.count() + ")");
        }
        return index;
    }

    private static byte[] bytes(Map<?, ?> root, String key) throws Refusal {
        if (!root.containsKey(key)) throw malformed("field '" + key + "' is missing");
        if (!(root.get(key) instanceof byte[] b)) throw malformed("field '" + key + "' must be a byte string");
        return b;
    }

    private static Refusal malformed(String detail) {
        return new Refusal(ErrorCode.MALFORMED, detail);
    }
}
