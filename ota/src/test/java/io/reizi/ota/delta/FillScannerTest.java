package io.reizi.ota.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FillScannerTest {
    static Manifest manifest(byte[] image, int chunk) {
        int count = (int) Math.ceilDiv(image.length, chunk);
        return new Manifest("fw", 2, Optional.empty(), Kind.IMAGE, Optional.empty(), image.length, chunk, count,
                Sha256.text(Sha256.digest(image)), Optional.empty(), Optional.empty());
    }

    static ChunkIndex index(byte[] image, int chunk) {
        ChunkIndexBuilder b = new ChunkIndexBuilder();
        for (int off = 0; off < image.length; off += chunk) b.add(image, off, Math.min(chunk, image.length - off));
        return b.build(2, chunk);
    }

    static BitSet all(int count) {
        BitSet b = new BitSet();
        b.set(0, count);
        return b;
    }

    record Bytes(byte[] data) implements FillScanner.Source {
        @Override
        public long size() {
            return data.length;
        }

        @Override
        public int read(long pos, byte[] dst, int off, int len) {
            // A short read now and then, as a file may give
            int n = Math.min(len, Math.min(777_777, data.length - (int) pos));
            System.arraycopy(data, (int) pos, dst, off, n);
            return n;
        }
    }

    /** Every match names a chunk whose bytes are exactly the source's bytes at its offset. */
    static void assertMatchesAreTrue(byte[] image, int chunk, byte[] source, List<FillScanner.Match> matches) {
        for (FillScanner.Match m : matches) {
            int len = (int) Math.min(chunk, image.length - (long) m.seq() * chunk);
            assertEquals(len, m.length());
            assertArrayEquals(Arrays.copyOfRange(image, m.seq() * chunk, m.seq() * chunk + len),
                    Arrays.copyOfRange(source, (int) m.offset(), (int) m.offset() + len), "seq " + m.seq());
        }
    }

    @Test
    void findsShiftedChunksAtAnyOffsetIncludingTheShortLastAcrossBufferRefills() throws Exception {
        int chunk = 4096;
        byte[] v2 = new byte[3 * (1 << 20) + 1234]; // several read buffers; a short last chunk
        new Random(1).nextBytes(v2);
        // v1: v2 with 17 bytes inserted at 100 000 and chunk 50 changed: everything after the insertion is shifted
        byte[] v1 = new byte[v2.length + 17];
        System.arraycopy(v2, 0, v1, 0, 100_000);
        System.arraycopy(v2, 100_000, v1, 100_017, v2.length - 100_000);
        v1[50 * chunk + 17 + 9] ^= 1;
        Manifest m = manifest(v2, chunk);
        FillScanner scanner = new FillScanner(m, index(v2, chunk), all(m.count()));
        List<FillScanner.Match> matches = scanner.scan(new Bytes(v1));
        assertMatchesAreTrue(v2, chunk, v1, matches);
        BitSet found = scanner.found();
        assertFalse(found.get(24), "chunk 24 straddles the insertion");
        assertFalse(found.get(50), "chunk 50 changed");
        assertTrue(found.get(m.count() - 1), "the short last chunk, shifted by 17");
        assertEquals(m.count() - 2, found.cardinality());
        assertEquals(v1.length, scanner.bytesScanned());
    }

    @Test
    void duplicateContentFillsEveryChunkThatHasItAndOnlyWantedOnesAreLookedFor() throws Exception {
        int chunk = 1000;
        byte[] v2 = new byte[10 * chunk]; // ten zero chunks but chunk 3
        v2[3 * chunk] = 5;
        byte[] v1 = new byte[2500]; // zeros only
        Manifest m = manifest(v2, chunk);
        BitSet wanted = all(m.count());
        wanted.clear(7);
        FillScanner scanner = new FillScanner(m, index(v2, chunk), wanted);
        List<FillScanner.Match> matches = scanner.scan(new Bytes(v1));
        assertMatchesAreTrue(v2, chunk, v1, matches);
        BitSet expected = all(10);
        expected.clear(3);
        expected.clear(7);
        assertEquals(expected, scanner.found());
        assertEquals(8, matches.size());
    }

    @Test
    void aLaterSourceAddsOnlyWhatEarlierOnesLacked() throws Exception {
        int chunk = 512;
        byte[] v2 = new byte[20 * chunk - 100];
        new Random(5).nextBytes(v2);
        Manifest m = manifest(v2, chunk);
        FillScanner scanner = new FillScanner(m, index(v2, chunk), all(m.count()));
        byte[] first = Arrays.copyOfRange(v2, 0, 10 * chunk);
        assertEquals(10, scanner.scan(new Bytes(first)).size());
        byte[] partial = new byte[v2.length]; // a partial download: chunks 5..14 at their places
        System.arraycopy(v2, 5 * chunk, partial, 5 * chunk, 10 * chunk);
        List<FillScanner.Match> more = scanner.scan(new Bytes(partial));
        assertEquals(5, more.size());
        assertMatchesAreTrue(v2, chunk, partial, more);
        assertFalse(scanner.done());
        assertEquals(15, scanner.found().cardinality());
        assertTrue(new FillScanner(m, index(v2, chunk), all(m.count())).scan(new Bytes(new byte[10])).isEmpty());
    }

    @Test
    void aWeakCollisionIsNotAMatch() throws Exception {
        int chunk = 3;
        byte[] v2 = {1, 2, 3};
        byte[] v1 = {2, 0, 4}; // a = 6 and b = 3*2 + 0 + 4 = 10: the weak sum of {1,2,3}, other bytes
        assertEquals(WeakChecksum.of(v2, 0, 3), WeakChecksum.of(v1, 0, 3));
        Manifest m = manifest(v2, chunk);
        assertTrue(new FillScanner(m, index(v2, chunk), all(1)).scan(new Bytes(v1)).isEmpty());
    }

    @Test
    void readsAFileThroughFileSource(@TempDir Path dir) throws Exception {
        int chunk = 4096;
        byte[] v2 = new byte[40 * chunk];
        new Random(9).nextBytes(v2);
        Path file = Files.write(dir.resolve("active"), Arrays.copyOfRange(v2, 4096 * 10 + 1, v2.length));
        Manifest m = manifest(v2, chunk);
        FillScanner scanner = new FillScanner(m, index(v2, chunk), all(m.count()));
        try (FileSource src = FileSource.open(file, Files.size(file))) {
            List<FillScanner.Match> found = scanner.scan(src);
            assertEquals(29, found.size()); // chunks 11..39
            Map<Integer, Long> at = new HashMap<>();
            for (FillScanner.Match x : found) at.put(x.seq(), x.offset());
            assertEquals(4095L, at.get(11));
        }
    }
}
