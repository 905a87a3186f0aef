package io.reizi.e2e;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * CBOR items written byte by byte, for hostile inputs no encoder would produce (non-minimal heads, invalid
 * UTF-8, duplicate keys, nesting bombs, trailing bytes). Well-formed maps of plain values come from Jackson
 * ({@link RawMqtt#CBOR}); this is only for what Jackson refuses to write.
 */
final class Cbor {
    static final int UINT = 0, NINT = 1, BSTR = 2, TEXT = 3, ARRAY = 4, MAP = 5, TAG = 6;

    private Cbor() {}

    /** The shortest head of a major type with argument {@code n} (unsigned, so -1L is 2^64-1). */
    static byte[] head(int major, long n) {
        int m = major << 5;
        if (n >= 0 && n < 24) return new byte[] {(byte) (m | n)};
        if (n >= 0 && n < 0x100) return new byte[] {(byte) (m | 24), (byte) n};
        if (n >= 0 && n < 0x10000) return new byte[] {(byte) (m | 25), (byte) (n >> 8), (byte) n};
        if (n >= 0 && n < 0x1_0000_0000L) return new byte[] {(byte) (m | 26), (byte) (n >> 24), (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        return wideHead(major, n);
    }

    /** A head with an 8-byte argument whatever the value: well-formed, but not the shortest form. */
    static byte[] wideHead(int major, long n) {
        byte[] b = new byte[9];
        b[0] = (byte) ((major << 5) | 27);
        for (int i = 0; i < 8; i++) b[8 - i] = (byte) (n >>> (8 * i));
        return b;
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    static byte[] uint(long n) {
        return head(UINT, n);
    }

    static byte[] integer(long n) {
        return n >= 0 ? head(UINT, n) : head(NINT, -1 - n);
    }

    static byte[] bstr(byte[] b) {
        return cat(head(BSTR, b.length), b);
    }

    static byte[] text(String s) {
        return textBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A text string of arbitrary bytes (invalid UTF-8 included). */
    static byte[] textBytes(byte[] b) {
        return cat(head(TEXT, b.length), b);
    }

    static byte[] array(byte[]... items) {
        return cat(head(ARRAY, items.length), cat(items));
    }

    /** A map of encoded key/value pairs, in order, duplicates allowed. */
    static byte[] map(byte[]... keysAndValues) {
        return cat(head(MAP, keysAndValues.length / 2), cat(keysAndValues));
    }

    static byte[] tag(long tag, byte[] item) {
        return cat(head(TAG, tag), item);
    }

    static final byte[] NULL = {(byte) 0xf6};

    /** {@code depth} one-element arrays around {@code leaf}: ~depth bytes that recurse depth deep. */
    static byte[] nest(int depth, byte[] leaf) {
        byte[] b = new byte[depth + leaf.length];
        java.util.Arrays.fill(b, 0, depth, (byte) 0x81);
        System.arraycopy(leaf, 0, b, depth, leaf.length);
        return b;
    }
}
