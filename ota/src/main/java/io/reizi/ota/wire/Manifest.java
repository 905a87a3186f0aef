package io.reizi.ota.wire;

import java.util.List;
import java.util.Optional;

/**
 * The signed release description (contract "Manifest"; {@code index} is the optional key of version 1.1). Built only by {@link ManifestCodec}, which has
 * already checked every field's presence, type and the size/chunk/count agreement.
 */
public record Manifest(
        String fw,
        long ver,
        Optional<String> label,
        Kind kind,
        Optional<String> entry,
        long size,
        int chunk,
        int count,
        String hash,
        Optional<List<String>> hw,
        Optional<Long> expires,
        Optional<String> index) {

    /** A version-1 manifest: no chunk index. */
    public Manifest(String fw, long ver, Optional<String> label, Kind kind, Optional<String> entry, long size, int chunk,
            int count, String hash, Optional<List<String>> hw, Optional<Long> expires) {
        this(fw, ver, label, kind, entry, size, chunk, count, hash, hw, expires, Optional.empty());
    }

    /** The same release naming the chunk index whose bytes hash to {@code indexHash} (contract 1.1). */
    public Manifest withIndex(String indexHash) {
        return new Manifest(fw, ver, label, kind, entry, size, chunk, count, hash, hw, expires, Optional.of(indexHash));
    }

    /** Byte length that chunk {@code seq} must have. */
    public int chunkLength(int seq) {
        long offset = (long) seq * chunk;
        return (int) Math.min(chunk, size - offset);
    }

    public long offset(int seq) {
        return (long) seq * chunk;
    }
}
