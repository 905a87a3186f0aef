package io.reizi.watchdog;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Classifies the link from what the agent already sees: reconnects in a sliding window, the round trip of
 * QoS 1 publishes (PUBACK latency), and chunk stalls while downloading. No probing traffic of its own.
 */
public final class NetworkHealth {
    public enum Net {
        GOOD, DEGRADED, DOWN;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Thresholds: this many reconnects or stalls within the window, or a median PUBACK above this, is degraded. */
    public record Limits(Duration window, int reconnects, int stalls, Duration slowAck) {
        public static Limits defaults() {
            return new Limits(Duration.ofSeconds(60), 3, 3, Duration.ofSeconds(1));
        }
    }

    private final Limits limits;
    private final Deque<Long> reconnects = new ArrayDeque<>();
    private final Deque<Long> stalls = new ArrayDeque<>();
    private final long[] acks = new long[16];
    private int ackCount;
    private volatile boolean connected;

    public NetworkHealth(Limits limits) {
        this.limits = limits;
    }

    public synchronized void connected(boolean reconnect, long nowNanos) {
        connected = true;
        if (reconnect) reconnects.addLast(nowNanos);
    }

    public void disconnected() {
        connected = false;
    }

    public synchronized void stall(long nowNanos) {
        stalls.addLast(nowNanos);
    }

    public synchronized void ackLatency(Duration latency) {
        acks[ackCount++ % acks.length] = latency.toNanos();
    }

    public synchronized Net classify(long nowNanos) {
        if (!connected) return Net.DOWN;
        long horizon = nowNanos - limits.window().toNanos();
        while (!reconnects.isEmpty() && reconnects.peekFirst() < horizon) reconnects.removeFirst();
        while (!stalls.isEmpty() && stalls.peekFirst() < horizon) stalls.removeFirst();
        if (reconnects.size() >= limits.reconnects() || stalls.size() >= limits.stalls()) return Net.DEGRADED;
        int n = Math.min(ackCount, acks.length);
        if (n > 0) {
            long[] sorted = java.util.Arrays.copyOf(acks, n);
            java.util.Arrays.sort(sorted);
            if (sorted[n / 2] > limits.slowAck().toNanos()) return Net.DEGRADED;
        }
        return Net.GOOD;
    }
}
