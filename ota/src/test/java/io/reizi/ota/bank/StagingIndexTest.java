package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chunk index kept with a download lives and dies with it. */
class StagingIndexTest {
    @TempDir
    Path dir;

    @Test
    void theIndexIsKeptWithTheDownloadAndGoesWithIt() throws Exception {
        SymlinkBanks banks = new SymlinkBanks(dir);
        byte[] index = {1, 2, 3};
        try (Staging s = Staging.start(banks, Bank.B, new byte[] {9}, 3)) {
            Staging.saveIndex(banks, Bank.B, index);
        }
        assertArrayEquals(index, Staging.savedIndex(banks, Bank.B).orElseThrow());
        Staging.promote(banks, Bank.B);
        assertEquals(Optional.empty(), Staging.savedIndex(banks, Bank.B), "promoted: the index is no longer needed");

        try (Staging s = Staging.start(banks, Bank.A, new byte[] {9}, 3)) {
            Staging.saveIndex(banks, Bank.A, index);
        }
        Staging.discard(banks, Bank.A);
        assertEquals(Optional.empty(), Staging.savedIndex(banks, Bank.A), "discarded with the download");
        try (Staging s = Staging.start(banks, Bank.A, new byte[] {9}, 3)) {
            Staging.saveIndex(banks, Bank.A, index);
        }
        try (Staging s = Staging.start(banks, Bank.A, new byte[] {8}, 3)) {
            assertTrue(Staging.savedIndex(banks, Bank.A).isEmpty(), "a new download starts without the old one's index");
        }
    }
}
