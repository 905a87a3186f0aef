package io.reizi.agent.mqtt;

import io.reizi.agent.Log;
import io.reizi.ota.wire.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The device's statuses on their way to the broker: kept until the broker acknowledges them (PUBACK), sent in
 * the order they were made, at most {@code window} unacknowledged at a time. MQTT delivers one connection's QoS 1
 * publishes in order, and whatever is resent after a reconnect goes out before anything newer, so an older
 * status can never overwrite a newer one in the retained slot.
 *
 * <p>What is kept: every unacknowledged status that must reach the broker ({@link Status#isTerminal() terminal}
 * ones and the orderly stop's {@code offline}), plus the newest of the others: when the window is full, a newer
 * status replaces a queued older one instead of being dropped. A status the broker already has stays until
 * acknowledged or until the link drops; then it is sent again, unless something newer replaced it meanwhile.
 *
 * <p>{@code net} and {@code ts} are stamped when a status is sent, not when it was made: a status made while
 * offline goes out saying how the link is now. Every method takes the outbox's lock.
 */
public final class StatusOutbox {
    /** Terminal statuses of different releases kept at most while the link is down (a flood of refusals). */
    static final int MAX_KEPT = 16;

    /** Hands statuses to the broker. */
    public interface Transport {
        /**
         * Sends one status, QoS 1, retained; the link calls {@link #acked(long)} with {@code ticket} on its PUBACK.
         * Returns false when it cannot be sent now (it is sent again on the next connect, ack or retry).
         */
        boolean send(Status status, long ticket);
    }

    /** A kept status and the ticket of its send on the current connection (0: not sent on it). */
    private static final class Entry {
        final Status status;
        long ticket;

        Entry(Status status) {
            this.status = status;
        }

        boolean sent() {
            return ticket != 0;
        }
    }

    private final Transport transport;
    private final UnaryOperator<Status> stampAtSend;
    private final int window;
    /** Oldest first; the sent ones always precede the unsent ones. */
    private final List<Entry> queue = new ArrayList<>();
    private boolean connected;
    /** The last word (an orderly stop's offline) is queued: a status made after it would contradict it. */
    private boolean sealed;
    private long lastTicket;

    public StatusOutbox(Transport transport, UnaryOperator<Status> stampAtSend, int window) {
        if (window < 1) throw new IllegalArgumentException("window must be at least 1");
        this.transport = transport;
        this.stampAtSend = stampAtSend;
        this.window = window;
    }

    /** A new status: queued behind what must still go out, replacing a queued status that need not. */
    public synchronized void offer(Status status) {
        if (sealed) {
            Log.warn("status " + status.state().wire() + " made after the last word: not sent");
            return;
        }
        queue.removeIf(e -> !e.sent() && (!mustArrive(e.status) || mustArrive(status) && repeats(status, e.status)));
        queue.add(new Entry(status));
        dropOldestBeyondLimit();
        drain();
        notifyAll();
    }

    /** Queues {@code status} as the last: nothing offered after it is sent (a stopping agent's late statuses). */
    public synchronized void offerLast(Status status) {
        offer(status);
        sealed = true;
    }

    public synchronized void connected() {
        connected = true;
        drain();
    }

    /** What the broker had not acknowledged is sent again on the next connection, except what was replaced. */
    public synchronized void disconnected() {
        connected = false;
        for (Entry e : queue) e.ticket = 0;
        Entry newest = queue.isEmpty() ? null : queue.getLast();
        queue.removeIf(e -> e != newest && !mustArrive(e.status));
    }

    /** The broker acknowledged the send with {@code ticket}; acknowledgements of an older connection's sends are stale. */
    public synchronized void acked(long ticket) {
        if (ticket == 0 || !queue.removeIf(e -> e.ticket == ticket)) return;
        drain();
        notifyAll();
    }

    /** Sends again what could not be handed over (called periodically by the link). */
    public synchronized void retry() {
        drain();
    }

    /** Waits until every kept status is acknowledged; false if {@code timeout} passed first. */
    public synchronized boolean awaitDelivered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!queue.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** The statuses still to be acknowledged, oldest first. */
    public synchronized List<Status> pending() {
        return queue.stream().map(e -> e.status).toList();
    }

    private void drain() {
        if (!connected) return;
        long inFlight = queue.stream().filter(Entry::sent).count();
        for (Entry e : queue) {
            if (inFlight >= window) return;
            if (e.sent()) continue;
            long ticket = ++lastTicket;
            if (!transport.send(stampAtSend.apply(e.status), ticket)) return; // in order, or not at all
            e.ticket = ticket;
            inFlight++;
        }
    }

    private void dropOldestBeyondLimit() {
        for (Iterator<Entry> it = queue.iterator(); queue.size() > MAX_KEPT && it.hasNext(); ) {
            Entry e = it.next();
            if (e.sent()) continue;
            it.remove();
            Log.warn("status " + e.status.state().wire() + " ver=" + e.status.ver() + " dropped: " + MAX_KEPT
                    + " statuses already wait for the broker");
        }
    }

    private static boolean mustArrive(Status s) {
        return s.isTerminal() || s.isOffline();
    }

    /** A later status that says all an earlier one said (a repeated refusal of the same release). */
    private static boolean repeats(Status later, Status earlier) {
        return Objects.equals(later.ver(), earlier.ver()) && Objects.equals(later.fw(), earlier.fw())
                && later.state() == earlier.state() && Objects.equals(later.error(), earlier.error());
    }
}
