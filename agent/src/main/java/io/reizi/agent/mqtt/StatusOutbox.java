package io.reizi.agent.mqtt;

import io.reizi.agent.Log;
import io.reizi.agent.Status;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The device's statuses on their way to the broker: kept until the broker acknowledges them (PUBACK) and sent
 * one at a time, in the order they were made, so that an older status resent later can never overwrite a newer
 * one in the retained slot.
 *
 * <p>What is kept: every unacknowledged status that must reach the broker ({@link Status#isTerminal() terminal}
 * ones and the orderly stop's {@code offline}), plus at most one other status, the newest: a newer status
 * replaces a queued older one instead of being dropped when the window is full. A status already handed to the
 * broker stays until acknowledged or until the link drops (then it is sent again, unless something newer
 * replaced it meanwhile).
 *
 * <p>{@code net} and {@code ts} are stamped when a status is sent, not when it was made: a status made while
 * offline goes out saying how the link is now. Not thread-confined: every method takes the outbox's lock.
 */
public final class StatusOutbox {
    /** Terminal statuses of different releases kept at most while the link is down (a flood of refusals). */
    static final int MAX_KEPT = 16;

    /** Hands statuses to the broker. */
    public interface Transport {
        /**
         * Sends one status, QoS 1, retained; the link calls {@link #acked(long)} with {@code ticket} on its PUBACK.
         * Returns false when it cannot be sent now (it is sent again on the next connect or retry).
         */
        boolean send(Status status, long ticket);
    }

    private final Transport transport;
    private final UnaryOperator<Status> stampAtSend;
    private final Deque<Status> queue = new ArrayDeque<>();
    private boolean connected;
    /** The ticket of the head of the queue while the broker has it and has not acknowledged it; 0 for none. */
    private long inFlight;
    private long lastTicket;

    public StatusOutbox(Transport transport, UnaryOperator<Status> stampAtSend) {
        this.transport = transport;
        this.stampAtSend = stampAtSend;
    }

    /** A new status: queued behind what must still go out, replacing a queued status that need not. */
    public synchronized void offer(Status status) {
        Status sent = inFlight != 0 ? queue.peekFirst() : null;
        queue.removeIf(q -> q != sent && (!mustArrive(q) || mustArrive(status) && repeats(status, q)));
        queue.addLast(status);
        dropOldestBeyondLimit();
        drain();
        notifyAll();
    }

    public synchronized void connected() {
        connected = true;
        inFlight = 0; // whatever the old connection had in flight is sent again
        compact();
        drain();
    }

    public synchronized void disconnected() {
        connected = false;
        inFlight = 0;
        compact();
    }

    /** The broker acknowledged the status sent with {@code ticket}. Acknowledgements of older sends are ignored. */
    public synchronized void acked(long ticket) {
        if (ticket != inFlight || inFlight == 0) return;
        queue.pollFirst();
        inFlight = 0;
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

    /** The statuses still to be acknowledged, oldest first (for tests and logs). */
    public synchronized List<Status> pending() {
        return List.copyOf(queue);
    }

    private void drain() {
        if (!connected || inFlight != 0 || queue.isEmpty()) return;
        long ticket = ++lastTicket;
        if (transport.send(stampAtSend.apply(queue.peekFirst()), ticket)) inFlight = ticket;
    }

    /** Nothing is in flight: keep what must arrive and the newest status, drop what that newest one replaced. */
    private void compact() {
        if (inFlight != 0 || queue.isEmpty()) return;
        Status newest = queue.peekLast();
        queue.removeIf(s -> s != newest && !mustArrive(s));
    }

    private void dropOldestBeyondLimit() {
        while (queue.size() > MAX_KEPT) {
            boolean headSent = inFlight != 0;
            Iterator<Status> it = queue.iterator();
            if (headSent) it.next();
            Status dropped = it.next();
            it.remove();
            Log.warn("status " + dropped.state() + " ver=" + dropped.ver() + " dropped: " + MAX_KEPT
                    + " statuses already wait for the broker");
        }
    }

    private static boolean mustArrive(Status s) {
        return s.isTerminal() || s.isOffline();
    }

    /** A later status that says all an earlier one said (a repeated refusal of the same release). */
    private static boolean repeats(Status a, Status b) {
        return Objects.equals(a.ver(), b.ver()) && Objects.equals(a.fw(), b.fw())
                && a.state().equals(b.state()) && Objects.equals(a.error(), b.error());
    }
}
