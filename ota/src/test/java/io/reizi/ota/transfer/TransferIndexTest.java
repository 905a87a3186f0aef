package io.reizi.ota.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.delta.ChunkIndexBuilder;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.Sha256;
import java.util.BitSet;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** With the signed index, a chunk that is self-consistent (its hash is its data's) but not the release's is refused. */
class TransferIndexTest {
    @Test
    void aForgedSelfConsistentChunkIsRejectedAndStaysNeeded() {
        byte[] image = new byte[950];
        new Random(2).nextBytes(image);
        ChunkIndexBuilder b = new ChunkIndexBuilder();
        for (int off = 0; off < image.length; off += 100) b.add(image, off, Math.min(100, image.length - off));
        ChunkIndex index = b.build(3, 100);
        Manifest m = new Manifest("fw", 3, Optional.empty(), Kind.IMAGE, Optional.empty(), 950, 100, 10,
                Sha256.text(Sha256.digest(image)), Optional.empty(), Optional.empty());
        Transfer t = new Transfer(m, new BitSet(), Optional.of(index));
        byte[] forged = java.util.Arrays.copyOfRange(image, 400, 500);
        forged[0] ^= 1;
        Transfer.Verdict.Reject r = assertInstanceOf(Transfer.Verdict.Reject.class, t.check(ChunkCodec.of(3, 4, forged)));
        assertTrue(r.reason().contains("signed chunk index"), r.reason());
        assertEquals(0, t.receivedCount());
        assertTrue(!t.has(4) && t.need().get(0).last() == 9, "chunk 4 is still needed");
        assertInstanceOf(Transfer.Verdict.Accept.class,
                t.check(ChunkCodec.of(3, 4, java.util.Arrays.copyOfRange(image, 400, 500))));
        assertInstanceOf(Transfer.Verdict.Accept.class,
                t.check(ChunkCodec.of(3, 9, java.util.Arrays.copyOfRange(image, 900, 950))));
    }
}
