package io.reizi.ota.wire;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * The signed chunk index (contract 1.1 "Index topic and object"): per chunk, its rsync weak checksum and its
 * SHA-256, in {@code seq} order. Immutable: built from arrays, it copies them; decoded, it reads its checksums
 * where they lie in the published bytes ({@link ChunkIndexCodec#decode}), which nobody changes: the index of a
 * large image is megabytes, and it is held once.
 */
public final class ChunkIndex {
    public static final int WEAK_BYTES = 4;
    public static final int STRONG_BYTES = 32;

    private final long ver;
    private final int chunk;
    private final int count;
    private final byte[] weak;
    private final int weakAt;
    private final byte[] strong;
    private final int strongAt;

    /** {@code weak} is {@code count} × 4 bytes big-endian, {@code strong} {@code count} × 32 bytes. */
    public ChunkIndex(long ver, int chunk, int count, byte[] weak, byte[] strong) {
        this(ver, chunk, count, new CborValues.ByteString(weak.clone(), 0, weak.length),
                new CborValues.ByteString(strong.clone(), 0, strong.length));
    }

    /** Reads {@code weak} and {@code strong} where they lie, never copied: the caller changes them no more. */
    ChunkIndex(long ver, int chunk, int count, CborValues.ByteString weak, CborValues.ByteString strong) {
        if (chunk < 1 || count < 0) throw new IllegalArgumentException("chunk " + chunk + ", count " + count);
        if (weak.length() != (long) count * WEAK_BYTES || strong.length() != (long) count * STRONG_BYTES) {
            throw new IllegalArgumentException("weak/strong lengths do not fit " + count + " chunks");
        }
        Objects.checkFromIndexSize(weak.offset(), weak.length(), weak.source().length);
        Objects.checkFromIndexSize(strong.offset(), strong.length(), strong.source().length);
        this.ver = ver;
        this.chunk = chunk;
        this.count = count;
        this.weak = weak.source();
        this.weakAt = weak.offset();
        this.strong = strong.source();
        this.strongAt = strong.offset();
    }

    public long ver() {
        return ver;
    }

    public int chunk() {
        return chunk;
    }

    public int count() {
        return count;
    }

    /** The weak checksum of chunk {@code seq}, as an unsigned 32-bit value in an int. */
    public int weak(int seq) {
        int at = weakAt + Objects.checkIndex(seq, count) * WEAK_BYTES;
        return (weak[at] & 0xff) << 24 | (weak[at + 1] & 0xff) << 16 | (weak[at + 2] & 0xff) << 8 | (weak[at + 3] & 0xff);
    }

    /** True when {@code digest} (32 bytes) is the SHA-256 the index holds for {@code seq}; constant time. */
    public boolean strongMatches(int seq, byte[] digest) {
        return MessageDigest.isEqual(digest, strong(seq));
    }

    /** A copy of chunk {@code seq}'s SHA-256. */
    public byte[] strong(int seq) {
        int at = strongAt + Objects.checkIndex(seq, count) * STRONG_BYTES;
        return Arrays.copyOfRange(strong, at, at + STRONG_BYTES);
    }

    /** Where the weak checksums lie, for the encoder (read only). */
    CborValues.ByteString weakBytes() {
        return new CborValues.ByteString(weak, weakAt, count * WEAK_BYTES);
    }

    /** Where the SHA-256s lie, for the encoder (read only). */
    CborValues.ByteString strongBytes() {
        return new CborValues.ByteString(strong, strongAt, count * STRONG_BYTES);
    }

    @Override
    public String toString() {
        return "ChunkIndex[ver=" + ver + ", " + count + "x" + chunk + "]";
    }
}
