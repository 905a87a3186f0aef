package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Side files of an interrupted download that cannot be what the agent wrote are discarded with a warning. */
class StagingLeftoverTest {
    /** A signed manifest of 20 chunks: its bitmap is 3 bytes. */
    static final byte[] COSE = CoseSign1.sign(ManifestCodec.encode(new Manifest("app", 7, Optional.empty(), Kind.IMAGE,
            Optional.empty(), 20_000, 1000, 20, "sha256:" + "ab".repeat(32), Optional.empty(), Optional.empty())),
            Keys.generate(Keys.Alg.ED25519));

    @TempDir
    Path dir;
    SymlinkBanks banks;
    Path meta;

    @BeforeEach
    void download() throws Exception {
        banks = new SymlinkBanks(dir);
        meta = banks.bankDir(Bank.B);
        Staging s = Staging.start(banks, Bank.B, COSE, 20);
        BitSet got = new BitSet();
        got.set(0);
        got.set(19);
        s.sync(got);
        s.close();
    }

    BitSet durable() throws Exception {
        Staging.Leftover left = Staging.leftover(banks, Bank.B).orElseThrow();
        assertArrayEquals(COSE, left.cose());
        return left.durable();
    }

    @Test
    void aBitmapTheAgentWroteIsKept() throws Exception {
        BitSet expected = new BitSet();
        expected.set(0);
        expected.set(19);
        try (Warnings w = new Warnings()) {
            assertEquals(expected, durable());
            assertEquals(java.util.List.of(), w.messages());
        }
        Files.write(meta.resolve(Staging.BITMAP), new byte[0]); // started, nothing synced yet
        assertEquals(new BitSet(), durable());
    }

    @Test
    void aBitmapOfTheWrongLengthIsDiscardedWithAWarning() throws Exception {
        for (long length : new long[] {1, 2, 4, 200L << 20}) {
            try (RandomAccessFile f = new RandomAccessFile(meta.resolve(Staging.BITMAP).toFile(), "rw")) {
                f.setLength(0);
                f.write(new byte[] {(byte) 0xff});
                f.setLength(length); // 200 MiB is sparse: no disk, but a whole heap if read
            }
            try (Warnings w = new Warnings()) {
                assertEquals(new BitSet(), durable(), length + " bytes");
                assertTrue(w.any(Staging.BITMAP, length + " bytes, not 3"), w.messages().toString());
            }
        }
    }

    @Test
    void aBitmapMarkingChunksPastTheLastIsDiscarded() throws Exception {
        Files.write(meta.resolve(Staging.BITMAP), new byte[] {1, 0, (byte) 0x80}); // chunk 23 of 20
        try (Warnings w = new Warnings()) {
            assertEquals(new BitSet(), durable());
            assertTrue(w.any(Staging.BITMAP, "past the last"), w.messages().toString());
        }
    }

    @Test
    void aHugeManifestFileDropsTheDownload() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(meta.resolve(Staging.MANIFEST).toFile(), "rw")) {
            f.setLength(Staging.MAX_MANIFEST_BYTES + 1);
        }
        try (Warnings w = new Warnings()) {
            assertEquals(Optional.empty(), Staging.leftover(banks, Bank.B));
            assertTrue(w.any(Staging.MANIFEST, "dropping"), w.messages().toString());
        }
        assertFalse(Files.exists(meta.resolve(Staging.MANIFEST)));
        assertFalse(Files.exists(meta.resolve(Staging.BITMAP)));
    }
}
