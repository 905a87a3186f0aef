package io.reizi.ota.transfer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Paces the device's re-requests: told what was asked and when, what arrived, and when the link was down,
 * it answers which missing chunks are overdue now, so that a re-request names only those and not the chunks
 * still on their way (a broker holds QoS 1 messages for a persistent session through a link cut, and a slow
 * link delivers a long ask over many seconds).
 *
 * <p>The model: the publisher serves asks in order, one round trip after the ask, at the measured arrival
 * interval. The k-th outstanding chunk (in order of ask, then seq) is expected {@code k} intervals after the
 * later of its ask plus a round trip and the last arrival; it is overdue once {@code slack} has passed beyond
 * that with 50 % margin on the interval. While the link is down the clock stops: what is queued for the
 * session stays queued. A chunk never asked (beyond the 32 ranges of a {@code need}) is always due. No I/O;
 * the caller passes {@code System.nanoTime()} or, in tests, its own clock. One int per chunk.
 */
public final class RequestPacer {
    private static final int NOT_ASKED = Integer.MIN_VALUE;
    /** Weight of a new sample in the moving averages: 1/8, as TCP's smoothed round trip. */
    private static final double GAIN = 0.125;
    private static final double MARGIN = 1.5;

    private final long slackNanos;
    /** Per chunk: link-up time of its latest ask in ms, or {@link #NOT_ASKED}. */
    private final int[] askedMs;
    private long upNanos;
    private long lastTick = Long.MIN_VALUE;
    private boolean down;
    private long lastArrival = -1;
    private long probeAskedAt = -1;
    private double rttNanos;
    private double intervalNanos;

    /**
     * @param count  chunks in the release
     * @param slack  how long past its expected arrival a chunk is given before it is asked again (the stall
     *               interval fits)
     */
    public RequestPacer(int count, Duration slack) {
        this.slackNanos = slack.toNanos();
        this.askedMs = new int[count];
        Arrays.fill(askedMs, NOT_ASKED);
        this.rttNanos = slackNanos / 2.0; // until measured
    }

    /**
     * A {@code need} naming {@code ranges} went out at {@code now}. Chunks in it that are still on their way
     * keep their place; the others (never asked, or overdue) join the end of the line.
     */
    public void asked(List<Transfer.Range> ranges, Transfer transfer, long now) {
        long up = upTime(now);
        BitSet due = dueSet(transfer, up);
        if (due.cardinality() == missing(transfer)) probeAskedAt = up; // nothing on its way: time the round trip
        int upMs = toMs(up);
        for (Transfer.Range r : ranges) {
            for (int seq = due.nextSetBit(r.first()); seq >= 0 && seq <= r.last(); seq = due.nextSetBit(seq + 1)) {
                askedMs[seq] = upMs;
            }
        }
    }

    /** A chunk (new or duplicate) arrived at {@code now}. */
    public void arrived(long now) {
        long up = upTime(now);
        if (probeAskedAt >= 0) {
            rttNanos += GAIN * ((up - probeAskedAt) - rttNanos);
            probeAskedAt = -1;
        }
        if (lastArrival >= 0) {
            // A gap far above the pace is a pause of the sender, not its pace: clamp it so that one stall does
            // not stretch every expectation.
            double gap = Math.min(up - lastArrival, intervalNanos == 0 ? slackNanos : 4 * intervalNanos);
            intervalNanos = intervalNanos == 0 ? gap : intervalNanos + GAIN * (gap - intervalNanos);
        }
        lastArrival = up;
    }

    /** The link went down: until {@link #linkUp}, time does not count toward any expectation. */
    public void linkDown(long now) {
        upTime(now);
        down = true;
    }

    public void linkUp(long now) {
        upTime(now);
        down = false;
    }

    /** The first {@link Transfer#MAX_NEED_RANGES} ranges of missing chunks that are overdue or never asked. */
    public List<Transfer.Range> overdue(Transfer transfer, long now) {
        BitSet due = dueSet(transfer, upTime(now));
        List<Transfer.Range> ranges = new ArrayList<>();
        int first = due.nextSetBit(0);
        while (first >= 0 && ranges.size() < Transfer.MAX_NEED_RANGES) {
            int end = due.nextClearBit(first);
            ranges.add(new Transfer.Range(first, end - 1));
            first = due.nextSetBit(end);
        }
        return ranges;
    }

    /** The measured round trip from an ask (into an empty pipe) to its first chunk. */
    public Duration roundTrip() {
        return Duration.ofNanos((long) rttNanos);
    }

    /** The measured time between chunks while they flow; zero before two have arrived. */
    public Duration interval() {
        return Duration.ofNanos((long) intervalNanos);
    }

    private BitSet dueSet(Transfer transfer, long up) {
        BitSet due = new BitSet(askedMs.length);
        int waiting = 0;
        long[] line = new long[askedMs.length];
        for (int seq = 0; seq < askedMs.length; seq++) {
            if (transfer.has(seq)) continue;
            if (askedMs[seq] == NOT_ASKED) due.set(seq);
            else line[waiting++] = ((long) askedMs[seq] << 32) | seq; // ordered by ask, then seq
        }
        Arrays.sort(line, 0, waiting);
        for (int k = 0; k < waiting; k++) {
            long askedAt = (line[k] >> 32) * 1_000_000L;
            long expected = Math.max(askedAt + (long) rttNanos, lastArrival) + (long) (MARGIN * (k + 1) * intervalNanos);
            if (up >= expected + slackNanos) due.set((int) line[k]);
        }
        return due;
    }

    private int missing(Transfer transfer) {
        return transfer.manifest().count() - transfer.receivedCount();
    }

    /** Link-up time: nanoseconds of the caller's clock during which the link was up, since this pacer began. */
    private long upTime(long now) {
        if (lastTick != Long.MIN_VALUE && !down && now > lastTick) upNanos += now - lastTick;
        lastTick = Math.max(lastTick, now);
        return upNanos;
    }

    private static int toMs(long nanos) {
        return (int) Math.min(Integer.MAX_VALUE, nanos / 1_000_000L);
    }
}
