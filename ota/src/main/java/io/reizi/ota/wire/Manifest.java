package io.reizi.ota.wire;

import java.util.List;
import java.util.Optional;

/**
 * The signed release description (contract "Manifest"). Built only by {@link ManifestCodec}, which has
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
        Optional<Long> expires) {

    /** Byte length that chunk {@code seq} must have. */
    public int chunkLength(int seq) {
        long offset = (long) seq * chunk;
        return (int) Math.min(chunk, size - offset);
    }

    public long offset(int seq) {
        return (long) seq * chunk;
    }
}
