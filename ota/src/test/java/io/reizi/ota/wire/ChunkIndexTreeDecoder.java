package io.reizi.ota.wire;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The chunk index decoder as it was before the streaming one: the whole item read into a map of values by
 * {@link CborValues#read} (as the manifest and chunk decoders read theirs), then each field checked. Kept as the
 * reference that {@link ChunkIndexCodec#decode} must agree with on every input: the same accepted, the same
 * refused {@code malformed}, the same values.
 */
public final class ChunkIndexTreeDecoder {
    private ChunkIndexTreeDecoder() {}

    /** What a decoder made of an input: refused, or the index's fields (byte strings compared by content). */
    public record Outcome(boolean refused, List<Object> fields) {
        public static Outcome of(ChunkIndex i) {
            return new Outcome(false, List.of(i.ver(), i.chunk(), i.count(), hex(i.weakBytes()), hex(i.strongBytes())));
        }

        static final Outcome REFUSED = new Outcome(true, List.of());
    }

    /** The streaming decoder's outcome; any refusal but {@code malformed} is a bug. */
    public static Outcome streaming(byte[] cbor) {
        try {
            return Outcome.of(ChunkIndexCodec.decode(cbor));
        } catch (Refusal r) {
            if (r.code() != ErrorCode.MALFORMED) throw new AssertionError("refused " + r.code() + ": " + r.getMessage());
            return Outcome.REFUSED;
        }
    }

    /** The reference decoder's outcome. */
    public static Outcome tree(byte[] cbor) {
        try {
            Map<?, ?> root = ManifestCodec.rootMap(cbor, "index");
            long ver = ManifestCodec.uint(root, "ver");
            long chunk = ManifestCodec.uint(root, "chunk");
            long count = ManifestCodec.uint(root, "count");
            Optional<byte[]> weak = root.get("weak") instanceof byte[] b ? Optional.of(b) : Optional.empty();
            Optional<byte[]> strong = root.get("strong") instanceof byte[] b ? Optional.of(b) : Optional.empty();
            if (weak.isEmpty() || strong.isEmpty() || chunk < 1 || chunk > Integer.MAX_VALUE
                    || count > Integer.MAX_VALUE / ChunkIndex.STRONG_BYTES
                    || weak.get().length != count * ChunkIndex.WEAK_BYTES
                    || strong.get().length != count * ChunkIndex.STRONG_BYTES) {
                return Outcome.REFUSED;
            }
            return new Outcome(false, List.of(ver, (int) chunk, (int) count, hex(weak.get()), hex(strong.get())));
        } catch (Refusal r) {
            return Outcome.REFUSED;
        }
    }

    private static String hex(CborValues.ByteString b) {
        return hex(Arrays.copyOfRange(b.source(), b.offset(), b.offset() + b.length()));
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }
}
