package io.reizi.agent.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.wire.Bank;
import io.reizi.ota.wire.NetHealth;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The outbox against an in-memory broker link that acknowledges only when the test says so. */
class StatusOutboxTest {
    /** What the broker was handed, in order, with the ticket each send carried. */
    private final List<Status> wire = new ArrayList<>();
    private final List<Long> tickets = new ArrayList<>();
    private boolean accepting = true;
    private long clock = 1_000;
    private NetHealth net = NetHealth.GOOD;
    private final StatusOutbox.Transport broker = (s, ticket) -> {
        if (!accepting) return false;
        wire.add(s);
        tickets.add(ticket);
        return true;
    };
    /** One in flight: the window at its tightest (the link's is wider, the rules the same). */
    private final StatusOutbox outbox = new StatusOutbox(broker, s -> s.sentAt(net, clock), 1);

    private static Status status(OtaState state, Long ver, Integer received) {
        return Status.builder("dev", state).fw(ver == null ? null : "fw").ver(ver).received(received)
                .count(received == null ? null : 100).active(Bank.A).activeVer(1L).net(NetHealth.DOWN).ts(5).build();
    }

    private void ackLast() {
        outbox.acked(tickets.getLast());
    }

    private List<String> sent() {
        return wire.stream().map(s -> s.state().wire() + (s.received() != null ? " " + s.received() : "")).toList();
    }

    @Test
    void nothingIsSentBeforeTheFirstConnectAndTheNewestGoesOutThen() {
        outbox.offer(status(OtaState.IDLE, null, null));
        outbox.offer(status(OtaState.DOWNLOADING, 2L, 10));
        assertTrue(wire.isEmpty());
        outbox.connected();
        assertEquals(List.of("downloading 10"), sent(), "the older idle was replaced, not queued");
    }

    @Test
    void aFullWindowReplacesTheQueuedOlderStatusWithTheNewer() {
        outbox.connected();
        outbox.offer(status(OtaState.DOWNLOADING, 2L, 1));
        for (int i = 2; i <= 200; i++) outbox.offer(status(OtaState.DOWNLOADING, 2L, i)); // no PUBACK meanwhile
        assertEquals(List.of("downloading 1"), sent(), "one status in flight at a time");
        assertEquals(2, outbox.pending().size(), "the one in flight and the newest");
        ackLast();
        assertEquals(List.of("downloading 1", "downloading 200"), sent());
        ackLast();
        assertTrue(outbox.pending().isEmpty());
    }

    @Test
    void aWiderWindowSendsAtOnceInOrderAndReplacesOnlyWhatWaitsBehindIt() {
        StatusOutbox wide = new StatusOutbox(broker, s -> s, 3);
        wide.connected();
        for (int i = 1; i <= 5; i++) wide.offer(status(OtaState.DOWNLOADING, 2L, i));
        assertEquals(List.of("downloading 1", "downloading 2", "downloading 3"), sent());
        wide.acked(tickets.get(0));
        assertEquals(List.of("downloading 1", "downloading 2", "downloading 3", "downloading 5"), sent());
        wide.disconnected();
        wide.connected(); // 2 and 3 were replaced by 5, which goes again
        assertEquals(List.of("downloading 1", "downloading 2", "downloading 3", "downloading 5", "downloading 5"), sent());
        wide.acked(tickets.get(1)); // a PUBACK from the lost connection
        assertEquals(1, wide.pending().size());
        wide.acked(tickets.getLast());
        assertTrue(wide.pending().isEmpty());
    }

    @Test
    void aStatusIsSentAgainAfterALostLinkUntilAcknowledged() {
        outbox.connected();
        outbox.offer(status(OtaState.COMMITTED, 2L, null));
        long lostTicket = tickets.getLast();
        outbox.disconnected();
        outbox.acked(lostTicket); // a PUBACK of the old connection counts for nothing: the send is repeated
        outbox.connected();
        assertEquals(List.of("committed", "committed"), sent());
        outbox.disconnected();
        outbox.connected();
        assertEquals(3, wire.size());
        ackLast();
        outbox.disconnected();
        outbox.connected();
        assertEquals(3, wire.size(), "acknowledged: never sent again");
    }

    @Test
    void aSendThePahoWindowRefusedIsRetried() {
        outbox.connected();
        accepting = false;
        outbox.offer(status(OtaState.TRIAL, 2L, null));
        assertTrue(wire.isEmpty());
        accepting = true;
        outbox.retry();
        assertEquals(List.of("trial"), sent());
    }

    @Test
    void terminalStatusesAreNeverReplacedAndGoOutInOrderBeforeNewerOnes() {
        outbox.connected();
        outbox.offer(status(OtaState.TRIAL, 2L, null)); // in flight, never acknowledged
        outbox.offer(status(OtaState.COMMITTED, 2L, null));
        outbox.offer(status(OtaState.DOWNLOADING, 3L, 1));
        outbox.offer(status(OtaState.DOWNLOADING, 3L, 2));
        outbox.disconnected();
        outbox.connected(); // the trial status, superseded, is not sent again
        assertEquals(List.of("trial", "committed"), sent());
        ackLast();
        ackLast(); // a repeated ack changes nothing
        assertEquals(List.of("trial", "committed", "downloading 2"), sent());
    }

    @Test
    void anOlderStatusIsNeverSentAfterANewerOne() {
        outbox.connected();
        for (int i = 0; i < 50; i++) {
            outbox.offer(status(i % 7 == 0 ? OtaState.FAILED : OtaState.DOWNLOADING, (long) i, i));
            if (i % 3 == 0) ackLast();
            if (i % 11 == 0) {
                outbox.disconnected();
                outbox.connected();
            }
        }
        while (!outbox.pending().isEmpty()) ackLast();
        int last = -1;
        for (Status s : wire) {
            assertTrue(s.received() >= last, "sent out of order: " + sent());
            last = s.received();
        }
        assertEquals(49, wire.getLast().received(), "the newest is the last word");
    }

    @Test
    void netAndTsAreThoseOfTheMomentOfSending() {
        outbox.offer(status(OtaState.IDLE, null, null)); // made while offline: "down"
        net = NetHealth.DEGRADED;
        clock = 9_000;
        outbox.connected();
        assertEquals(NetHealth.DEGRADED, wire.getFirst().net());
        assertEquals(9_000, wire.getFirst().ts());
        outbox.offer(Status.offline("dev", 1));
        ackLast();
        assertEquals(null, wire.getLast().net(), "the offline status carries no net");
    }

    @Test
    void theOfflineStatusOfAnOrderlyStopIsTheLastWord() {
        outbox.connected();
        outbox.offer(status(OtaState.COMMITTED, 2L, null));
        outbox.offerLast(Status.offline("dev", 7));
        outbox.offer(status(OtaState.FAILED, 0L, null)); // a worker interrupted by the stop, a moment later
        while (!outbox.pending().isEmpty()) ackLast();
        assertEquals(List.of("committed", "offline"), sent());
    }

    @Test
    void aFloodOfRefusalsWhileOfflineKeepsABoundedNumber() {
        for (int i = 0; i < 100; i++) outbox.offer(status(OtaState.FAILED, (long) i, null));
        assertEquals(StatusOutbox.MAX_KEPT, outbox.pending().size());
        assertEquals(99L, outbox.pending().getLast().ver(), "the newest are kept");
        for (int i = 0; i < 3; i++) outbox.offer(status(OtaState.FAILED, 99L, null));
        assertEquals(StatusOutbox.MAX_KEPT, outbox.pending().size(), "a repeated refusal replaces its twin");
    }
}
