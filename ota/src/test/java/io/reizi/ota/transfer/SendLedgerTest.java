package io.reizi.ota.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.reizi.ota.wire.ChunkRange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class SendLedgerTest {
    private static final long S = 1_000_000_000L;

    static BitSet bits(int from, int to) {
        BitSet b = new BitSet();
        b.set(from, to + 1);
        return b;
    }

    static List<ChunkRange> need(int... bounds) {
        List<ChunkRange> ranges = new ArrayList<>();
        for (int i = 0; i < bounds.length; i += 2) ranges.add(new ChunkRange(bounds[i], bounds[i + 1]));
        return ranges;
    }

    static SendLedger sent(int count, int from, int to, long at) {
        SendLedger ledger = new SendLedger(count, Duration.ofSeconds(5));
        for (int seq = from; seq <= to; seq++) ledger.sent(seq, at);
        return ledger;
    }

    @Test
    void aChunkNeverSentIsDue() {
        SendLedger ledger = new SendLedger(100, Duration.ofSeconds(5));
        assertEquals(bits(0, 99), ledger.due("d", need(0, 99), 0, 0));
    }

    @Test
    void aChunkSentMomentsAgoIsNotSentAgainWhileOnItsWay() {
        SendLedger ledger = sent(100, 0, 99, 0);
        // The device has 0..49: 50..99 were sent after the newest of those, so they are still queued for it.
        assertEquals(new BitSet(), ledger.due("d", need(50, 99), 50, S / 10));
    }

    @Test
    void aChunkOvertakenByOneSentAfterItIsLostAndDue() {
        SendLedger ledger = sent(100, 0, 99, 0);
        assertEquals(bits(10, 19), ledger.due("d", need(10, 19), 90, S / 10));
    }

    /** The observed kill -9 case: ~670 chunks in the broker's queue for the session, ~63 lost with the page cache. */
    @Test
    void afterADeviceRestartItsExactNeedIsServedWithoutResendingWhatTheBrokerHolds() {
        SendLedger ledger = sent(2048, 0, 1700, 0);
        // Restarted: 0..999 were synced; 1000..1062 were received but lost; 1063..1700 wait in the broker.
        BitSet first = ledger.due("d", need(1000, 2047), 1000, 2 * S);
        assertEquals(bits(1701, 2047), first, "only what was never sent");
        for (int seq = 1701; seq <= 2047; seq++) ledger.sent(seq, 2 * S);
        // It saw the last seq: everything but the lost ones arrived.
        assertEquals(bits(1000, 1062), ledger.due("d", need(1000, 1062), 1985, 3 * S));
        for (int seq = 1000; seq <= 1062; seq++) ledger.sent(seq, 3 * S);
        assertEquals(2048 + 63, ledger.published());
        assertEquals(2, ledger.sends(1000));
        assertEquals(1, ledger.sends(1063));
    }

    @Test
    void aChunkTheDeviceHadShownAsReceivedAndAsksForAgainIsDueAtOnce() {
        SendLedger ledger = sent(100, 0, 99, 0);
        ledger.due("d", need(90, 99), 90, S); // 0..89 received
        // It started again from zero (its copy was lost): what it had is due at once, the rest still on its way.
        assertEquals(bits(0, 89), ledger.due("d", need(0, 99), 0, 2 * S));
    }

    @Test
    void aChunkWaitingPastItsExpectedDeliveryIsDue() {
        SendLedger ledger = sent(100, 0, 9, 0);
        // Nothing confirmed and no rate known: 5 s slack plus twice that.
        assertEquals(new BitSet(), ledger.due("d", need(0, 99), 0, 14 * S).get(0, 10));
        assertEquals(bits(0, 9), ledger.due("d", need(0, 99), 0, 16 * S).get(0, 10));
    }

    @Test
    void theExpectedDeliveryScalesWithTheQueueAheadAtTheMeasuredRate() {
        SendLedger ledger = sent(1000, 0, 999, 0);
        ledger.due("d", need(0, 999), 0, 0);
        ledger.due("d", need(100, 999), 100, S); // 100 chunks/s; 0..99 confirmed at 1 s
        // The k-th queued after the newest confirmed is expected 1.5 * k / 100 s after 1 s, and given 5 s more.
        assertEquals(new BitSet(), ledger.due("d", need(100, 999), 100, 5_900_000_000L));
        assertEquals(bits(100, 965), ledger.due("d", need(100, 999), 100, 19 * S), "k <= 866 by 19 s");
        assertEquals(bits(100, 999), ledger.due("d", need(100, 999), 100, 20 * S));
    }

    @Test
    void aTruncatedNeedConfirmsOnlyWhatLiesBelowItsLastRange() {
        SendLedger ledger = new SendLedger(200, Duration.ofSeconds(5));
        for (int seq = 0; seq < 200; seq++) ledger.sent(seq, 0);
        int[] bounds = new int[64];
        for (int i = 0; i < 32; i++) {
            bounds[2 * i] = 2 * i;
            bounds[2 * i + 1] = 2 * i; // 32 ranges: 0, 2, 4, ... 62 missing
        }
        BitSet due = ledger.due("d", need(bounds), 32, S / 10);
        // 63 (sent after 62) is confirmed, 64..199 are not: 0..60 are overtaken, 62 is not.
        assertEquals(31, due.cardinality());
        assertEquals(false, due.get(62));
    }
}
