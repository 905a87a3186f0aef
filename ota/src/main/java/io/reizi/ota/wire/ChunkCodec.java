package io.reizi.ota.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** CBOR encoding of the chunk map. Decoding checks presence and types only; the transfer core checks values. */
public final class ChunkCodec {
    private static final CBORMapper CBOR = new CBORMapper();

    private ChunkCodec() {}

    public static byte[] encode(Chunk c) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("ver", c.ver());
        map.put("seq", c.seq());
        map.put("size", c.size());
        map.put("hash", c.hash());
        map.put("data", c.data());
        try {
            return CBOR.writeValueAsBytes(map);
        } catch (IOException e) {
            throw new IllegalStateException("CBOR encoding of a chunk failed", e);
        }
    }

    /** Builds a well-formed chunk for {@code seq} of a release. */
    public static Chunk of(long ver, long seq, byte[] data) {
        return new Chunk(ver, seq, data.length, Sha256.text(Sha256.digest(data)), data);
    }

    public static Chunk decode(byte[] cbor) throws Refusal {
        JsonNode root;
        try {
            root = CBOR.readTree(cbor);
        } catch (IOException e) {
            throw new Refusal(ErrorCode.MALFORMED, "chunk is not valid CBOR: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new Refusal(ErrorCode.MALFORMED, "chunk is not a CBOR map");
        long ver = ManifestCodec.uint(root, "ver");
        long seq = ManifestCodec.uint(root, "seq");
        long size = ManifestCodec.uint(root, "size");
        String hash = ManifestCodec.text(root, "hash");
        JsonNode data = root.get("data");
        if (data == null) throw new Refusal(ErrorCode.MALFORMED, "field 'data' is missing");
        if (!data.isBinary()) throw new Refusal(ErrorCode.MALFORMED, "field 'data' must be a byte string");
        try {
            return new Chunk(ver, seq, size, hash, data.binaryValue());
        } catch (IOException e) {
            throw new Refusal(ErrorCode.MALFORMED, "field 'data' is unreadable");
        }
    }
}
