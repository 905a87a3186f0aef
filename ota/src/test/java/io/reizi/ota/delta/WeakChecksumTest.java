package io.reizi.ota.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class WeakChecksumTest {
    /** The contract's formula, term by term, with long arithmetic (no wrap-around to hide behind). */
    static int direct(byte[] x, int off, int n) {
        long a = 0;
        long b = 0;
        for (int i = 0; i < n; i++) {
            a += x[off + i] & 0xff;
            b += (long) (n - i) * (x[off + i] & 0xff);
        }
        return (int) ((a % 65536) + 65536 * (b % 65536));
    }

    @Test
    void rollingEqualsTheDirectComputationAtEveryOffset() {
        byte[] data = new byte[5000];
        new Random(7).nextBytes(data);
        for (int i = 0; i < 300; i++) data[i] = (byte) 0xff; // sums that wrap 2^16 quickly
        for (int n : new int[] {1, 2, 7, 1000, 4096}) {
            WeakChecksum w = WeakChecksum.over(data, 0, n);
            for (int p = 0; ; p++) {
                assertEquals(direct(data, p, n), w.value(), "n=" + n + " at offset " + p);
                assertEquals(direct(data, p, n), WeakChecksum.of(data, p, n));
                if (p + n >= data.length) break;
                w.roll(data[p], data[p + n]);
            }
        }
    }

    @Test
    void aShortLastChunkHasItsOwnLength() {
        byte[] image = new byte[10_000];
        new Random(3).nextBytes(image);
        int chunk = 4096;
        int lastLength = image.length - 2 * chunk; // 1808
        int weak = WeakChecksum.of(image, 2 * chunk, lastLength);
        assertEquals(direct(image, 2 * chunk, lastLength), weak);
        // b weighs each byte by the block's own n, so the same bytes in a longer window sum differently
        byte[] padded = java.util.Arrays.copyOfRange(image, 2 * chunk, 2 * chunk + chunk);
        assertEquals(direct(padded, 0, chunk), WeakChecksum.of(padded, 0, chunk));
    }

    @Test
    void knownValue() {
        byte[] x = {1, 2, 3};
        // a = 6, b = 3*1 + 2*2 + 1*3 = 10
        assertEquals(6 + 65536 * 10, WeakChecksum.of(x, 0, 3));
    }
}
