package io.reizi.ota.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.wire.Chunk;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.Sha256;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TransferTest {
    // 10 chunks of 100 bytes, the last one 50 bytes.
    static final Manifest M = new Manifest("fw", 3, Optional.empty(), Kind.IMAGE, Optional.empty(), 950, 100, 10,
            Sha256.text(new byte[32]), Optional.empty(), Optional.empty());

    static Chunk chunk(long seq, int len) {
        return ChunkCodec.of(3, seq, new byte[len]);
    }

    @Test
    void acceptsRightChunksAndRejectsWrongOnes() {
        Transfer t = new Transfer(M, new BitSet());
        Transfer.Verdict.Accept a = assertInstanceOf(Transfer.Verdict.Accept.class, t.check(chunk(4, 100)));
        assertEquals(400, a.offset());
        assertInstanceOf(Transfer.Verdict.Accept.class, t.check(chunk(9, 50)));
        assertInstanceOf(Transfer.Verdict.Reject.class, t.check(chunk(9, 100)), "last chunk is short");
        assertInstanceOf(Transfer.Verdict.Reject.class, t.check(chunk(2, 99)));
        assertInstanceOf(Transfer.Verdict.Reject.class, t.check(chunk(10, 100)), "seq out of range");
        assertInstanceOf(Transfer.Verdict.OtherRelease.class, t.check(ChunkCodec.of(4, 1, new byte[100])));
        Chunk lying = new Chunk(3, 1, 100, Sha256.text(new byte[32]), new byte[100]);
        assertInstanceOf(Transfer.Verdict.Reject.class, t.check(lying), "hash mismatch");
        Chunk sizeField = new Chunk(3, 1, 99, chunk(1, 100).hash(), new byte[100]);
        assertInstanceOf(Transfer.Verdict.Reject.class, t.check(sizeField), "size field disagrees with data");
    }

    @Test
    void duplicatesAreRecognisedAndCountedOnce() {
        Transfer t = new Transfer(M, new BitSet());
        t.markReceived(1);
        t.markReceived(1);
        assertInstanceOf(Transfer.Verdict.Duplicate.class, t.check(chunk(1, 100)));
        assertEquals(1, t.receivedCount());
        assertEquals(100, t.receivedBytes());
    }

    @Test
    void needListsMissingRangesInOrder() {
        Transfer t = new Transfer(M, new BitSet());
        assertEquals(List.of(new Transfer.Range(0, 9)), t.need());
        for (int s : new int[] {0, 1, 4, 5, 9}) t.markReceived(s);
        assertEquals(List.of(new Transfer.Range(2, 3), new Transfer.Range(6, 8)), t.need());
        assertTrue(t.covers(List.of(new Transfer.Range(4, 5))));
        assertFalse(t.covers(t.need()));
        assertEquals(5 * 100 - 50, t.receivedBytes());
    }

    @Test
    void needIsCappedAt32Ranges() {
        Manifest big = new Manifest("fw", 3, Optional.empty(), Kind.IMAGE, Optional.empty(), 1000, 10, 100,
                Sha256.text(new byte[32]), Optional.empty(), Optional.empty());
        BitSet every2nd = new BitSet();
        for (int i = 0; i < 100; i += 2) every2nd.set(i);
        List<Transfer.Range> need = new Transfer(big, every2nd).need();
        assertEquals(Transfer.MAX_NEED_RANGES, need.size());
        assertEquals(new Transfer.Range(1, 1), need.getFirst());
        assertEquals(new Transfer.Range(63, 63), need.getLast());
    }

    @Test
    void resumesFromAPersistedSet() {
        BitSet durable = new BitSet();
        durable.set(0, 10);
        Transfer t = new Transfer(M, durable);
        assertTrue(t.complete());
        assertEquals(950, t.receivedBytes());
    }
}
