package io.reizi.ota.transfer;

import io.reizi.ota.wire.ChunkRange;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The publisher's side of pacing: what it sent, in which order and when, and which chunks a device's
 * {@code need} names that are due to be sent (again). A chunk never sent is due. A chunk sent before is due
 * only when it is overdue:
 * <ul>
 * <li>the device had shown it as received before (it lost it: a restart dropped it with the page cache, or it
 *     started the download again), or
 * <li>the device has received a chunk sent after it (MQTT delivers one publisher's messages on a topic in
 *     order, so it was lost: a restart of the device lost it from the page cache, or the broker dropped it), or
 * <li>it has waited past its expected delivery: {@code slack} plus 1.5 times the chunks queued ahead of it
 *     at the device's measured receive rate (from the {@code received} counts of its statuses).
 * </ul>
 * Otherwise it is still on its way (in the broker's queue for the device's persistent session, or on a slow
 * link) and sending it again would only waste bytes. No I/O; the caller passes its clock.
 */
public final class SendLedger {
    private static final double GAIN = 0.25;
    private static final double MARGIN = 1.5;

    /** What a device has shown of its progress. */
    private static final class Device {
        final BitSet confirmed = new BitSet();
        long newestConfirmedOrder;
        long confirmedAt = Long.MIN_VALUE;
        int lastReceived = -1;
        long lastReceivedAt;
        double chunksPerNano;
    }

    private final int count;
    private final long slackNanos;
    /** Per chunk: the publish order of its latest send (1, 2, ...), or 0 when never sent. */
    private final long[] order;
    private final long[] sentAt;
    private final int[] sends;
    private long published;
    private final Map<String, Device> devices = new HashMap<>();

    /**
     * @param count  chunks in the release
     * @param slack  the least time a chunk sent is given to arrive before a need for it is answered again
     */
    public SendLedger(int count, Duration slack) {
        this.count = count;
        this.slackNanos = slack.toNanos();
        this.order = new long[count];
        this.sentAt = new long[count];
        this.sends = new int[count];
    }

    /** Chunk {@code seq} was handed to the broker at {@code now}. */
    public void sent(int seq, long now) {
        order[seq] = ++published;
        sentAt[seq] = now;
        sends[seq]++;
    }

    /**
     * A status of {@code device} with its {@code need} (inclusive ranges, the first 32 when there are more) and
     * its {@code received} count (null when absent) arrived at {@code now}: the chunks to send for it.
     */
    public BitSet due(String device, List<ChunkRange> need, Integer received, long now) {
        Device d = devices.computeIfAbsent(device, k -> new Device());
        BitSet asked = asked(need);
        learnRate(d, received, now);
        BitSet confirmed = confirmed(asked, need.size() < Transfer.MAX_NEED_RANGES);
        long newest = newestOrder(confirmed);
        if (newest > d.newestConfirmedOrder) {
            d.newestConfirmedOrder = newest;
            d.confirmedAt = now;
        }
        BitSet due = new BitSet(count);
        for (int seq = asked.nextSetBit(0); seq >= 0; seq = asked.nextSetBit(seq + 1)) {
            if (order[seq] == 0 || d.confirmed.get(seq) || order[seq] < d.newestConfirmedOrder
                    || waitedTooLong(d, seq, now)) {
                due.set(seq);
            }
        }
        d.confirmed.or(confirmed);
        return due;
    }

    /** Chunks handed to the broker so far, resends included. */
    public long published() {
        return published;
    }

    /** How many times chunk {@code seq} was sent. */
    public int sends(int seq) {
        return sends[seq];
    }

    /** Chunks published per chunk of the release: the wire overhead (1.0 is none). */
    public double overhead() {
        return (double) published / count;
    }

    private BitSet asked(List<ChunkRange> need) {
        BitSet asked = new BitSet(count);
        for (ChunkRange range : need) {
            if (range.within(count)) asked.set(range.first(), range.last() + 1);
        }
        return asked;
    }

    /**
     * The chunks a need shows as received: all those it does not name when it is complete (fewer than 32
     * ranges), else those below the end of its last range.
     */
    private BitSet confirmed(BitSet asked, boolean completeNeed) {
        BitSet confirmed = new BitSet(count);
        confirmed.set(0, completeNeed || asked.isEmpty() ? count : asked.length());
        confirmed.andNot(asked);
        return confirmed;
    }

    private long newestOrder(BitSet chunks) {
        long newest = 0;
        for (int seq = chunks.nextSetBit(0); seq >= 0; seq = chunks.nextSetBit(seq + 1)) newest = Math.max(newest, order[seq]);
        return newest;
    }

    private void learnRate(Device d, Integer received, long now) {
        if (received == null) return;
        if (d.lastReceived >= 0 && received > d.lastReceived && now > d.lastReceivedAt) {
            double sample = (double) (received - d.lastReceived) / (now - d.lastReceivedAt);
            d.chunksPerNano = d.chunksPerNano == 0 ? sample : d.chunksPerNano + GAIN * (sample - d.chunksPerNano);
        }
        if (received != d.lastReceived) {
            d.lastReceived = received;
            d.lastReceivedAt = now;
        }
    }

    /** Past its expected delivery: the chunks queued ahead of it at the measured rate, from when it could start. */
    private boolean waitedTooLong(Device d, int seq, long now) {
        long since = Math.max(sentAt[seq], d.confirmedAt);
        long ahead = order[seq] - d.newestConfirmedOrder;
        double expected = d.chunksPerNano > 0 ? MARGIN * ahead / d.chunksPerNano : 2.0 * slackNanos;
        return now - since >= slackNanos + (long) expected;
    }
}
