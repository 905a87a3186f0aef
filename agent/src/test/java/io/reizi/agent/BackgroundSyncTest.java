package io.reizi.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.wire.Bank;
import io.reizi.ota.bank.Staging;
import io.reizi.ota.bank.SymlinkBanks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The batched fsync off the MQTT thread keeps the power-cut order: the bitmap records only synced data. */
class BackgroundSyncTest {
    private static final int CHUNK = 4096;
    private static final int COUNT = 20;

    @TempDir
    Path dir;

    @Test
    void aSyncRecordsOnlyTheChunksWrittenBeforeItBegan() throws Exception {
        SymlinkBanks banks = new SymlinkBanks(dir);
        BitSet received = new BitSet();
        try (Staging staging = Staging.start(banks, Bank.B, new byte[] {9}, COUNT)) {
            BackgroundSync syncs = new BackgroundSync(staging, System::nanoTime);
            for (int seq = 0; seq < 10; seq++) write(staging, received, seq);
            // handed a snapshot, as the download hands it Transfer.receivedSet()'s fresh copy
            assertTrue(syncs.start((BitSet) received.clone()), "nothing ran before: it starts");
            for (int seq = 10; seq < COUNT; seq++) write(staging, received, seq); // while it may still run
            syncs.awaitRunning();
            assertEquals(range(0, 10), durable(banks), "the chunks written after the sync began are not recorded by it");

            syncs.now(received);
            assertEquals(range(0, COUNT), durable(banks));
            syncs.close();
        }
        byte[] expected = new byte[COUNT * CHUNK];
        for (int seq = 0; seq < COUNT; seq++) Arrays.fill(expected, seq * CHUNK, (seq + 1) * CHUNK, (byte) seq);
        assertArrayEquals(expected, Files.readAllBytes(banks.stagingPath(Bank.B)));
    }

    @Test
    void aFailedSyncIsReportedOnceToTheWritingThread() throws Exception {
        SymlinkBanks banks = new SymlinkBanks(dir);
        BitSet received = new BitSet();
        Staging staging = Staging.start(banks, Bank.B, new byte[] {9}, COUNT);
        BackgroundSync syncs = new BackgroundSync(staging, System::nanoTime);
        write(staging, received, 0);
        staging.close(); // the sync thread's fsync then fails, as on a disk that went away
        assertTrue(syncs.start((BitSet) received.clone()));
        assertThrows(IOException.class, syncs::awaitRunning);
        syncs.awaitRunning(); // reported once: the caller has set the download aside
        assertEquals(new BitSet(), durable(banks), "nothing recorded by a sync that failed");
        syncs.close();
    }

    private static void write(Staging staging, BitSet received, int seq) throws IOException {
        byte[] data = new byte[CHUNK];
        Arrays.fill(data, (byte) seq);
        staging.write((long) seq * CHUNK, data);
        received.set(seq);
    }

    /** The chunks the bitmap on disk records as durable (what a restart after a power cut would trust). */
    private static BitSet durable(SymlinkBanks banks) throws IOException {
        return BitSet.valueOf(Files.readAllBytes(banks.bankDir(Bank.B).resolve("received.bitmap")));
    }

    private static BitSet range(int from, int to) {
        BitSet b = new BitSet();
        b.set(from, to);
        return b;
    }
}
