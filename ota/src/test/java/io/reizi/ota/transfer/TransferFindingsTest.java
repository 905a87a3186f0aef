package io.reizi.ota.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.reizi.ota.wire.Chunk;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import java.util.BitSet;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Findings of TransferFuzzTest, each kept as a plain regression test. */
class TransferFindingsTest {
    /** Finding 1: a negative seq reached BitSet.get and threw IndexOutOfBoundsException instead of a Reject. */
    @ParameterizedTest
    @ValueSource(longs = {-1, -1_550_471_225L, Long.MIN_VALUE, Integer.MAX_VALUE + 1L, Long.MAX_VALUE})
    void aSeqOutsideTheReleaseIsRejectedAndChangesNothing(long seq) {
        Manifest m = new Manifest("fw", 5, Optional.empty(), Kind.IMAGE, Optional.empty(), 10, 4, 3,
                "sha256:" + "00".repeat(32), Optional.empty(), Optional.empty());
        Transfer t = new Transfer(m, new BitSet());
        Chunk good = ChunkCodec.of(5, 0, new byte[] {1, 2, 3, 4});
        Chunk c = new Chunk(5, seq, 4, good.hash(), good.data());
        assertInstanceOf(Transfer.Verdict.Reject.class, t.check(c));
        assertEquals(0, t.receivedCount());
        assertEquals(1, t.need().size());
    }
}
