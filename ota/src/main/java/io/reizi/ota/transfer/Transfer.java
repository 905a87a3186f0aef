package io.reizi.ota.transfer;

import io.reizi.ota.wire.Chunk;
import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.Sha256;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * The transfer core: which chunks of a release have arrived, whether an incoming chunk is acceptable,
 * and what is still missing. It does no I/O; the caller writes accepted data and then calls
 * {@link #markReceived(int)}.
 */
public final class Transfer {
    /** The contract's cap on ranges in one `need`. */
    public static final int MAX_NEED_RANGES = 32;

    /** What to do with an incoming chunk. */
    public sealed interface Verdict {
        /** Write {@code data} at {@code offset}, then mark {@code seq} received. */
        record Accept(int seq, long offset, byte[] data) implements Verdict {}

        /** Already have it (QoS 1 redelivery or a resend): nothing to do. */
        record Duplicate(int seq) implements Verdict {}

        /** Belongs to another release: ignored, as the contract says. */
        record OtherRelease(long ver) implements Verdict {}

        /** Failed a check: changes nothing, and stays in `need`. */
        record Reject(String reason) implements Verdict {}
    }

    /** One inclusive range of chunk numbers, {@code [first, last]} on the wire. */
    public record Range(int first, int last) {
        public int length() {
            return last - first + 1;
        }
    }

    private final Manifest manifest;
    private final BitSet received;
    private int receivedCount;
    /** The signed chunk index (contract 1.1), when the manifest names one: every chunk must match it. */
    private final Optional<ChunkIndex> index;

    public Transfer(Manifest manifest, BitSet alreadyReceived) {
        this(manifest, alreadyReceived, Optional.empty());
    }

    /** With the signed index the manifest names, checked already against it by the caller. */
    public Transfer(Manifest manifest, BitSet alreadyReceived, Optional<ChunkIndex> index) {
        this.manifest = manifest;
        this.index = index;
        this.received = (BitSet) alreadyReceived.clone();
        if (received.length() > manifest.count()) received.clear(manifest.count(), received.length());
        this.receivedCount = received.cardinality();
    }

    public Manifest manifest() {
        return manifest;
    }

    public Optional<ChunkIndex> index() {
        return index;
    }

    public Verdict check(Chunk chunk) {
        if (chunk.ver() != manifest.ver()) return new Verdict.OtherRelease(chunk.ver());
        if (chunk.seq() < 0 || chunk.seq() >= manifest.count()) { // a Chunk is any record, not only a decoded one
            return new Verdict.Reject("seq " + chunk.seq() + " is out of range 0.." + (manifest.count() - 1));
        }
        int seq = (int) chunk.seq();
        int expected = manifest.chunkLength(seq);
        if (chunk.size() != chunk.data().length) {
            return new Verdict.Reject("seq " + seq + ": size " + chunk.size() + " but data has "
                    + chunk.data().length + " bytes");
        }
        if (chunk.data().length != expected) {
            return new Verdict.Reject("seq " + seq + ": " + chunk.data().length + " bytes, the manifest implies "
                    + expected);
        }
        if (!Sha256.isText(chunk.hash())) return new Verdict.Reject("seq " + seq + ": hash is not sha256:<hex>");
        if (received.get(seq)) return new Verdict.Duplicate(seq);
        byte[] actual = Sha256.digest(chunk.data());
        if (!MessageDigest.isEqual(actual, Sha256.parse(chunk.hash()))) {
            return new Verdict.Reject("seq " + seq + ": SHA-256 of data does not match its hash");
        }
        if (index.isPresent() && !index.get().strongMatches(seq, actual)) {
            return new Verdict.Reject("seq " + seq + ": data does not match the signed chunk index");
        }
        return new Verdict.Accept(seq, manifest.offset(seq), chunk.data());
    }

    public void markReceived(int seq) {
        if (!received.get(seq)) {
            received.set(seq);
            receivedCount++;
        }
    }

    /** True when chunk {@code seq} has arrived. */
    public boolean has(int seq) {
        return received.get(seq);
    }

    public int receivedCount() {
        return receivedCount;
    }

    public boolean complete() {
        return receivedCount == manifest.count();
    }

    public long receivedBytes() {
        long bytes = (long) receivedCount * manifest.chunk();
        int last = manifest.count() - 1;
        if (received.get(last)) bytes -= manifest.chunk() - manifest.chunkLength(last);
        return bytes;
    }

    /** A copy of the received set, for persisting. */
    public BitSet receivedSet() {
        return (BitSet) received.clone();
    }

    /** The first {@link #MAX_NEED_RANGES} ranges of missing chunks, in order. */
    public List<Range> need() {
        List<Range> ranges = new ArrayList<>();
        int from = received.nextClearBit(0);
        while (from < manifest.count() && ranges.size() < MAX_NEED_RANGES) {
            int next = received.nextSetBit(from);
            int last = (next < 0 || next > manifest.count()) ? manifest.count() - 1 : next - 1;
            ranges.add(new Range(from, last));
            from = received.nextClearBit(last + 1);
        }
        return ranges;
    }

    /** True when every chunk named by {@code ranges} has arrived. */
    public boolean covers(List<Range> ranges) {
        for (Range r : ranges) {
            int clear = received.nextClearBit(r.first());
            if (clear <= r.last()) return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return "Transfer[ver=" + manifest.ver() + ", " + receivedCount + "/" + manifest.count() + "]";
    }

}
