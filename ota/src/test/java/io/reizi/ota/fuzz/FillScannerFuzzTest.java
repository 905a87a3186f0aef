package io.reizi.ota.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.reizi.ota.delta.ChunkIndexBuilder;
import io.reizi.ota.delta.FillScanner;
import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.Sha256;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Optional;

/**
 * The delta scanner against a brute force: for any image, chunk size and source (small, few distinct byte
 * values so that chunks recur and weak sums collide), every match is true and every chunk whose bytes occur
 * anywhere in the source is found.
 */
class FillScannerFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void findsExactlyTheChunksTheSourceHolds(FuzzedDataProvider in) throws Exception {
        int chunk = in.consumeInt(1, 16);
        byte[] image = alphabet(in.consumeBytes(in.consumeInt(1, 200)));
        byte[] source = alphabet(in.consumeRemainingAsBytes());
        if (image.length == 0) return;
        int count = (image.length + chunk - 1) / chunk;
        Manifest m = new Manifest("fw", 1, Optional.empty(), Kind.IMAGE, Optional.empty(), image.length, chunk, count,
                Sha256.text(Sha256.digest(image)), Optional.empty(), Optional.empty());
        ChunkIndexBuilder b = new ChunkIndexBuilder();
        for (int off = 0; off < image.length; off += chunk) b.add(image, off, Math.min(chunk, image.length - off));
        ChunkIndex index = b.build(1, chunk);
        BitSet wanted = new BitSet();
        wanted.set(0, count);
        FillScanner scanner = new FillScanner(m, index, wanted);
        BitSet found = new BitSet();
        for (FillScanner.Match x : scanner.scan(new FillScanner.Source() {
            @Override
            public long size() {
                return source.length;
            }

            @Override
            public int read(long pos, byte[] dst, int off, int len) {
                int n = Math.min(len, source.length - (int) pos);
                System.arraycopy(source, (int) pos, dst, off, n);
                return n;
            }
        })) {
            byte[] want = Arrays.copyOfRange(image, x.seq() * chunk, x.seq() * chunk + m.chunkLength(x.seq()));
            assertArrayEquals(want, Arrays.copyOfRange(source, (int) x.offset(), (int) x.offset() + x.length()));
            found.set(x.seq());
        }
        BitSet expected = new BitSet();
        for (int seq = 0; seq < count; seq++) {
            byte[] want = Arrays.copyOfRange(image, seq * chunk, seq * chunk + m.chunkLength(seq));
            if (occurs(want, source)) expected.set(seq);
        }
        assertEquals(expected, found);
        assertEquals(expected, scanner.found());
    }

    /** Few distinct values: chunks recur in the source, and weak checksums collide. */
    private static byte[] alphabet(byte[] raw) {
        byte[] out = raw.clone();
        for (int i = 0; i < out.length; i++) out[i] = (byte) ((out[i] & 0xff) % 3);
        return out;
    }

    private static boolean occurs(byte[] needle, byte[] hay) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }
}
