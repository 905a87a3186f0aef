package io.reizi.ota.delta;

/**
 * rsync's weak rolling checksum, exactly as contract 1.1 defines it for a block {@code x[0..n-1]} of unsigned
 * bytes: {@code a = Σ x[i] mod 2^16}, {@code b = Σ (n - i)·x[i] mod 2^16}, {@code weak = a + 2^16·b}. An
 * instance holds the checksum of a window of fixed length {@code n} and slides it by one byte in O(1).
 */
public final class WeakChecksum {
    private final int n;
    private int a;
    private int b;

    private WeakChecksum(int n, int a, int b) {
        this.n = n;
        this.a = a;
        this.b = b;
    }

    /** The checksum of {@code data[off .. off+len-1]}, as an unsigned 32-bit value in an int. */
    public static int of(byte[] data, int off, int len) {
        return over(data, off, len).value();
    }

    /** A rolling window over {@code data[off .. off+len-1]}. */
    public static WeakChecksum over(byte[] data, int off, int len) {
        int a = 0;
        int b = 0;
        for (int i = 0; i < len; i++) {
            int x = data[off + i] & 0xff;
            a += x;
            b += (len - i) * x; // int overflow wraps, which mod 2^16 does not mind
        }
        return new WeakChecksum(len, a & 0xffff, b & 0xffff);
    }

    /** Slides the window one byte on: {@code out} leaves at its start, {@code in} joins at its end. */
    public void roll(byte out, byte in) {
        int o = out & 0xff;
        a = (a - o + (in & 0xff)) & 0xffff;
        b = (b - n * o + a) & 0xffff;
    }

    public int value() {
        return a | b << 16;
    }

    public int length() {
        return n;
    }
}
