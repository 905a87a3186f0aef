package io.reizi.ota.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.reizi.ota.transfer.Transfer;
import io.reizi.ota.wire.Chunk;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.Sha256;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Fuzz target for the transfer core: a manifest of fuzzed geometry, a fuzzed leftover bitmap, then any
 * sequence of chunks (right, of another release, with forged data, a wrong hash, a wrong length, any seq).
 * After every step the core's invariants hold: the received set is within the release and counted right,
 * a rejected chunk changes nothing, an accepted one is exactly the manifest's piece, and `need` lists, in
 * order and within the contract's 32 ranges, exactly the chunks still missing.
 */
class TransferFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void anySequenceOfChunksKeepsItsInvariants(FuzzedDataProvider data) {
        int chunk = data.consumeInt(1, 64);
        int size = data.consumeInt(1, 80 * 64);
        int count = Math.ceilDiv(size, chunk);
        byte[] image = new byte[size];
        new Random(size).nextBytes(image);
        Manifest m = new Manifest("fw", 5, Optional.empty(), Kind.IMAGE, Optional.empty(), size, chunk, count,
                Sha256.text(Sha256.digest(image)), Optional.empty(), Optional.empty());
        Transfer t = new Transfer(m, BitSet.valueOf(data.consumeBytes(data.consumeInt(0, 16))));
        checkInvariants(t);
        while (data.remainingBytes() > 0) {
            Chunk c = nextChunk(data, m, image);
            BitSet before = t.receivedSet();
            switch (t.check(c)) {
                case Transfer.Verdict.Accept a -> {
                    assertEquals(c.seq(), a.seq());
                    assertFalse(before.get(a.seq()), "a received chunk is a duplicate, not accepted again");
                    assertEquals(m.offset(a.seq()), a.offset());
                    assertEquals(m.chunkLength(a.seq()), a.data().length);
                    assertArrayEquals(Sha256.parse(c.hash()), Sha256.digest(a.data()), "accepted data matches its hash");
                    t.markReceived(a.seq());
                }
                case Transfer.Verdict.Duplicate d -> assertTrue(before.get(d.seq()));
                case Transfer.Verdict.OtherRelease o -> assertNotEquals(m.ver(), o.ver());
                case Transfer.Verdict.Reject r -> assertEquals(before, t.receivedSet(), r.reason());
            }
            checkInvariants(t);
        }
    }

    private static Chunk nextChunk(FuzzedDataProvider data, Manifest m, byte[] image) {
        int op = data.consumeInt(0, 5);
        int seq = data.consumeInt(0, m.count() - 1);
        byte[] piece = Arrays.copyOfRange(image, (int) m.offset(seq), (int) m.offset(seq) + m.chunkLength(seq));
        return switch (op) {
            case 0 -> new Chunk(m.ver(), seq, piece.length, Sha256.text(Sha256.digest(piece)), piece);
            case 1 -> new Chunk(data.consumeLong(), seq, piece.length, Sha256.text(Sha256.digest(piece)), piece);
            case 2 -> { // forged data with its own right hash: v1 without an index cannot tell; the image hash will
                byte[] forged = data.consumeBytes(data.consumeInt(0, 80));
                yield new Chunk(m.ver(), seq, data.consumeLong(), Sha256.text(Sha256.digest(forged)), forged);
            }
            case 3 -> new Chunk(m.ver(), seq, piece.length, data.consumeString(80), piece);
            case 4 -> {
                byte[] resized = Arrays.copyOf(piece, data.consumeInt(0, 2 * m.chunk()));
                yield new Chunk(m.ver(), seq, resized.length, Sha256.text(Sha256.digest(resized)), resized);
            }
            default -> new Chunk(m.ver(), data.consumeLong(), piece.length, Sha256.text(Sha256.digest(piece)), piece);
        };
    }

    static void checkInvariants(Transfer t) {
        Manifest m = t.manifest();
        BitSet received = t.receivedSet();
        assertTrue(received.length() <= m.count(), "nothing past the last chunk: " + received);
        assertEquals(received.cardinality(), t.receivedCount());
        assertEquals(t.receivedCount() == m.count(), t.complete());
        long bytes = received.stream().mapToLong(m::chunkLength).sum();
        assertEquals(bytes, t.receivedBytes());

        List<Transfer.Range> need = t.need();
        assertTrue(need.size() <= Transfer.MAX_NEED_RANGES);
        BitSet listed = new BitSet();
        int previousLast = -2;
        for (Transfer.Range r : need) {
            assertTrue(r.first() > previousLast + 1, "ranges ascend and are not adjacent: " + need);
            assertTrue(0 <= r.first() && r.first() <= r.last() && r.last() < m.count(), r.toString());
            listed.set(r.first(), r.last() + 1);
            previousLast = r.last();
        }
        assertFalse(listed.intersects(received), "need never names a received chunk");
        BitSet missing = new BitSet();
        missing.set(0, m.count());
        missing.andNot(received);
        if (need.size() < Transfer.MAX_NEED_RANGES) assertEquals(missing, listed, "need names every missing chunk");
        assertEquals(need.isEmpty(), t.complete());
        assertEquals(need.isEmpty(), t.covers(need) && missing.isEmpty());
    }
}
