package io.reizi.ota.wire;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The signed chunk index (contract 1.1 "Index topic and object"): per chunk, its rsync weak checksum and its
 * SHA-256, in {@code seq} order. Immutable: the arrays are copied in and never handed out.
 */
public final class ChunkIndex {
    public static final int WEAK_BYTES = 4;
    public static final int STRONG_BYTES = 32;

    private final long ver;
    private final int chunk;
    private final int count;
    private final byte[] weak;
    private final byte[] strong;

    /** {@code weak} is {@code count} × 4 bytes big-endian, {@code strong} {@code count} × 32 bytes. */
    public ChunkIndex(long ver, int chunk, int count, byte[] weak, byte[] strong) {
        this(ver, chunk, count, weak.clone(), strong.clone(), true);
    }

    /** Takes {@code weak} and {@code strong} as they are: the codec's own fresh arrays (a second copy of an index is megabytes). */
    ChunkIndex(long ver, int chunk, int count, byte[] weak, byte[] strong, boolean owned) {
        if (chunk < 1 || count < 0) throw new IllegalArgumentException("chunk " + chunk + ", count " + count);
        if (weak.length != (long) count * WEAK_BYTES || strong.length != (long) count * STRONG_BYTES) {
            throw new IllegalArgumentException("weak/strong lengths do not fit " + count + " chunks");
        }
        this.ver = ver;
        this.chunk = chunk;
        this.count = count;
        this.weak = weak;
        this.strong = strong;
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
        int at = seq * WEAK_BYTES;
        return (weak[at] & 0xff) << 24 | (weak[at + 1] & 0xff) << 16 | (weak[at + 2] & 0xff) << 8 | (weak[at + 3] & 0xff);
    }

    /** True when {@code digest} (32 bytes) is the SHA-256 the index holds for {@code seq}; constant time. */
    public boolean strongMatches(int seq, byte[] digest) {
        return MessageDigest.isEqual(digest, strong(seq));
    }

    /** A copy of chunk {@code seq}'s SHA-256. */
    public byte[] strong(int seq) {
        return Arrays.copyOfRange(strong, seq * STRONG_BYTES, (seq + 1) * STRONG_BYTES);
    }

    byte[] weakBytes() {
        return weak.clone();
    }

    byte[] strongBytes() {
        return strong.clone();
    }

    @Override
    public String toString() {
        return "ChunkIndex[ver=" + ver + ", " + count + "x" + chunk + "]";
    }
}
