package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.wire.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BanksTest {
    @TempDir
    Path dir;

    @Test
    void symlinkSwitchIsAtomicAndDurable() throws Exception {
        SymlinkBanks banks = new SymlinkBanks(dir);
        assertEquals(Bank.A, banks.pointedAt());
        banks.activate(Bank.B);
        assertEquals(Path.of("banks/b"), Files.readSymbolicLink(dir.resolve("current")));
        assertFalse(Files.exists(dir.resolve("current.tmp")));
        assertEquals(Bank.B, new SymlinkBanks(dir).pointedAt(), "a new instance keeps the pointer");
        assertTrue(banks.capacity(Bank.A) > 0);
    }

    @Test
    void stagingWritesAtOffsetsResumesAndPromotes() throws Exception {
        SymlinkBanks banks = new SymlinkBanks(dir);
        Path bank = banks.bankDir(Bank.B);
        Files.writeString(bank.resolve(Staging.IMAGE), "old release");
        byte[] cose = StagingLeftoverTest.COSE; // a bitmap is kept only beside a manifest that says how long it is
        Staging s = Staging.start(banks, Bank.B, cose, 20);
        assertFalse(Files.exists(bank.resolve(Staging.IMAGE)), "the old image is dropped");
        s.write(4, new byte[] {5, 6, 7, 8});
        BitSet got = new BitSet();
        got.set(1);
        s.sync(got);
        s.close();

        Staging.Leftover left = Staging.leftover(banks, Bank.B).orElseThrow();
        assertArrayEquals(cose, left.cose());
        assertEquals(got, left.durable());
        Staging again = Staging.resume(banks, Bank.B, 20);
        again.write(0, new byte[] {1, 2, 3, 4});
        again.write(8, new byte[] {9, 10});
        byte[] whole = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        again.close();
        assertEquals(Sha256.text(Sha256.digest(whole)), Staging.hashOf(Staging.stagedData(banks, Bank.B), 10));
        Staging.promote(banks, Bank.B);
        assertArrayEquals(whole, Files.readAllBytes(bank.resolve(Staging.IMAGE)));
        assertArrayEquals(cose, Files.readAllBytes(bank.resolve(Staging.SIGNED_MANIFEST)));
        assertTrue(Staging.leftover(banks, Bank.B).isEmpty());
    }

    @Test
    void aPartitionIsWrittenInPlaceAndKeepsItsSize() throws Exception {
        Path a = Files.write(dir.resolve("part-a"), new byte[4096]);
        Path b = Files.write(dir.resolve("part-b"), new byte[4096]);
        Path script = dir.resolve("bootctl");
        Files.writeString(script, "#!/bin/sh\nexit 0\n");
        script.toFile().setExecutable(true);
        CommandBanks banks = new CommandBanks(dir.resolve("data"), a, b, script.toString());
        assertEquals(4096, banks.capacity(Bank.B));
        Staging s = Staging.start(banks, Bank.B, new byte[] {9}, 1);
        s.write(0, new byte[] {7, 7, 7});
        s.sync(new BitSet());
        s.close();
        assertEquals(Sha256.text(Sha256.digest(new byte[] {7, 7, 7})), Staging.hashOf(Staging.stagedData(banks, Bank.B), 3));
        Staging.promote(banks, Bank.B);
        assertEquals(4096, Files.size(b), "a partition is not truncated");
        assertEquals(Sha256.text(Sha256.digest(new byte[] {7, 7, 7})), Staging.hashOf(b, 3));
    }

    @Test
    void stateFileRoundTripsAndRollbackRemembersTheVer() throws Exception {
        StateStore store = new StateStore(dir.resolve("state.json"));
        assertEquals(DeviceState.fresh(), store.load());
        Release r1 = new Release("fw", 1, "1.0", "image", "sha256:" + "0".repeat(64), null);
        Release r2 = new Release("fw", 2, null, "image", "sha256:" + "1".repeat(64), null);
        DeviceState s = DeviceState.fresh().switchTo(r1).commit().switchTo(r2);
        store.save(s);
        assertEquals(s, store.load());
        assertTrue(s.trial());
        DeviceState back = s.rollBack();
        assertEquals(Bank.B, back.active());
        assertEquals(1, back.activeVer());
        assertEquals(List.of(2L), back.rolledBack());
        assertFalse(Files.exists(dir.resolve("state.json.tmp")));
    }
}
