package io.reizi.ota.wire;

import java.util.Map;

/** CBOR encoding of the chunk map. Decoding checks presence and types only; the transfer core checks values. */
public final class ChunkCodec {
    private ChunkCodec() {}

    public static byte[] encode(Chunk c) {
        return CborValues.write(c.data().length + 128, g -> {
            g.writeStartObject(5);
            g.writeNumberField("ver", c.ver());
            g.writeNumberField("seq", c.seq());
            g.writeNumberField("size", c.size());
            g.writeStringField("hash", c.hash());
            g.writeBinaryField("data", c.data());
            g.writeEndObject();
        });
    }

    /** Builds a well-formed chunk for {@code seq} of a release. */
    public static Chunk of(long ver, long seq, byte[] data) {
        return new Chunk(ver, seq, data.length, Sha256.text(Sha256.digest(data)), data);
    }

    public static Chunk decode(byte[] cbor) throws Refusal {
        Map<?, ?> root = ManifestCodec.rootMap(cbor, "chunk");
        long ver = ManifestCodec.uint(root, "ver");
        long seq = ManifestCodec.uint(root, "seq");
        long size = ManifestCodec.uint(root, "size");
        String hash = ManifestCodec.text(root, "hash");
        if (!root.containsKey("data")) throw new Refusal(ErrorCode.MALFORMED, "field 'data' is missing");
        if (!(root.get("data") instanceof byte[] data)) {
            throw new Refusal(ErrorCode.MALFORMED, "field 'data' must be a byte string");
        }
        return new Chunk(ver, seq, size, hash, data);
    }
}
