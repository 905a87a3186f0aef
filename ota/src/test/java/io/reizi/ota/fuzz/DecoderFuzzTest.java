package io.reizi.ota.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.wire.Chunk;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.ChunkIndexCodec;
import io.reizi.ota.wire.ChunkIndexTreeDecoder;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.Refusal;
import java.util.Set;

/**
 * Fuzz targets for every decoder that sees bytes from the network. Each input must decode or be refused with
 * a {@link Refusal}: any other exception or Error (Jazzer reports it) is a finding. What decodes must also
 * keep the decoder's promises (a manifest's sizes agree; an accepted item re-encodes to the same value).
 * Seeds: src/test/resources/io/reizi/ota/fuzz/DecoderFuzzTestInputs/{method}/.
 */
class DecoderFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void coseEnvelope(byte[] input) {
        try {
            CoseSign1.Envelope env = CoseSign1.decode(input);
            assertTrue(Set.of(-7, -8).contains(env.alg()), "alg " + env.alg());
            ManifestCodec.identify(env.payload());
            manifest(env.payload());
        } catch (Refusal r) {
            assertNotNull(r.code());
        }
    }

    @FuzzTest(maxDuration = "20s")
    void manifest(byte[] input) {
        ManifestCodec.identify(input);
        try {
            Manifest m = ManifestCodec.decode(input);
            assertTrue(m.size() > 0 && m.chunk() > 0, m.toString());
            assertEquals(Math.ceilDiv(m.size(), (long) m.chunk()), m.count(), m.toString());
            assertEquals(m, ManifestCodec.decode(ManifestCodec.encode(m)));
        } catch (Refusal r) {
            assertNotNull(r.code());
        }
    }

    @FuzzTest(maxDuration = "20s")
    void chunk(byte[] input) {
        try {
            Chunk c = ChunkCodec.decode(input);
            assertTrue(c.ver() >= 0 && c.seq() >= 0 && c.size() >= 0, c.toString());
            Chunk again = ChunkCodec.decode(ChunkCodec.encode(c));
            assertEquals(java.util.List.of(c.ver(), c.seq(), c.size(), c.hash()),
                    java.util.List.of(again.ver(), again.seq(), again.size(), again.hash()));
            assertArrayEquals(c.data(), again.data());
        } catch (Refusal r) {
            assertNotNull(r.code());
        }
    }

    /** The chunk index topic (contract 1.1): decodes with lengths that fit its count, or is refused. */
    @FuzzTest(maxDuration = "20s")
    void chunkIndex(byte[] input) {
        try {
            ChunkIndex i = ChunkIndexCodec.decode(input);
            assertTrue(i.chunk() > 0 && i.count() >= 0, i.toString());
            if (i.count() > 0) {
                i.weak(i.count() - 1);
                assertEquals(32, i.strong(i.count() - 1).length);
            }
            ChunkIndex again = ChunkIndexCodec.decode(ChunkIndexCodec.encode(i));
            assertArrayEquals(ChunkIndexCodec.encode(i), ChunkIndexCodec.encode(again));
        } catch (Refusal r) {
            assertNotNull(r.code());
        }
    }

    /**
     * The chunk index is decoded in one streaming pass, its byte strings read in place: it must accept and refuse
     * exactly what the decoder that built a map of the whole item did, and read the same values.
     */
    @FuzzTest(maxDuration = "20s")
    void chunkIndexAgreesWithTheMapDecoder(byte[] input) {
        assertEquals(ChunkIndexTreeDecoder.tree(input), ChunkIndexTreeDecoder.streaming(input));
    }
}
