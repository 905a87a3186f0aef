package io.reizi.ota.delta;

import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.Manifest;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * Finds the chunks of a release that a device already holds, at any byte offset of a source (the active
 * release, the leftovers of a partial download), in the manner of rsync/zsync: a window of the chunk's length
 * rolls through the source once, its weak checksum is looked up in a hash table of the wanted chunks, and a
 * hit is confirmed by SHA-256 against the index. The short last chunk has a window of its own in the same
 * pass. Memory: the table (a few ints per chunk, next to the index) and one bounded read buffer, whatever the
 * source's size; matches are handed out as they are found, not collected. No I/O of its own: it reads through
 * {@link Source}.
 */
public final class FillScanner {
    /** Where bytes come from; {@link FileSource} reads a file or a partition. */
    public interface Source {
        /** Bytes the scan may read, from offset 0. */
        long size();

        /** Reads up to {@code len} bytes at {@code pos}; fewer only at the end. */
        int read(long pos, byte[] dst, int off, int len) throws IOException;
    }

    /** Chunk {@code seq} is the {@code length} bytes at {@code offset} of the source scanned. */
    public record Match(int seq, long offset, int length) {}

    /**
     * Read buffer for a source at least this large; a window of a larger chunk gets 2 chunks + 1. Small: a
     * read into a heap buffer goes through a direct buffer of its size that NIO caches per thread (measured:
     * 1 MiB here cost 1.6 MB of native memory during the fill), and refills are cheap next to the per-byte roll.
     */
    static final int MIN_BUFFER = 256 << 10;
    private static final int FILTER_BITS = 18;
    private static final int MIX = 0x9E3779B1;

    private final ChunkIndex index;
    private final int fullLength;
    private final int lastSeq;
    private final int lastLength;
    /** The wanted chunks' weak checksums as ints: probed on every filter hit, a sixth of all offsets. */
    private final int[] weakOf;
    /** Chained hash table of the wanted full-length chunks, by weak checksum: bucket head, then next seq. */
    private final int[] head;
    private final int[] next;
    private final int shift;
    /**
     * A bit per value of the hash's top {@link #FILTER_BITS} bits, set for every wanted chunk: 32 KiB, so that the
     * per-byte test stays in the L1 cache and the table (which may be megabytes) is probed only on a likely hit.
     */
    private final long[] filter = new long[1 << (FILTER_BITS - 6)];
    /** Wanted full-length chunks not found yet (those still in the table). */
    private int fullLeft;
    /** The short last chunk, when it is wanted and shorter than the others. */
    private boolean shortWanted;
    private final BitSet found = new BitSet();
    private long bytesScanned;

    /** Looks for the chunks in {@code wanted} of release {@code m}, whose index is {@code index}. */
    public FillScanner(Manifest m, ChunkIndex index, BitSet wanted) {
        if (index.count() != m.count() || index.chunk() != m.chunk()) {
            throw new IllegalArgumentException(index + " is not the index of " + m.count() + "x" + m.chunk());
        }
        this.index = index;
        this.fullLength = m.chunk();
        this.lastSeq = m.count() - 1;
        this.lastLength = m.chunkLength(lastSeq);
        this.weakOf = new int[m.count()];
        this.next = new int[m.count()];
        int bits = Math.max(4, 33 - Integer.numberOfLeadingZeros(Math.max(1, wanted.cardinality())));
        this.shift = 32 - bits;
        this.head = new int[1 << bits];
        Arrays.fill(head, -1);
        for (int seq = wanted.nextSetBit(0); seq >= 0 && seq < m.count(); seq = wanted.nextSetBit(seq + 1)) {
            int weak = index.weak(seq);
            weakOf[seq] = weak;
            if (seq == lastSeq && lastLength != fullLength) {
                shortWanted = true;
                continue;
            }
            int bucket = bucket(weak);
            int h = weak * MIX;
            filter[h >>> (32 - FILTER_BITS + 6)] |= 1L << (h >>> (32 - FILTER_BITS));
            next[seq] = head[bucket];
            head[bucket] = seq;
            fullLeft++;
        }
    }

    /** Chunks found so far, over every source scanned. */
    public BitSet found() {
        return (BitSet) found.clone();
    }

    /** Source bytes rolled through so far. */
    public long bytesScanned() {
        return bytesScanned;
    }

    /** True when nothing is left to look for. */
    public boolean done() {
        return !shortWanted && fullLeft == 0;
    }

    /** {@link #scan(Source, Consumer)}, the matches collected (for a small source: each is an object). */
    public List<Match> scan(Source source) throws IOException {
        List<Match> matches = new ArrayList<>();
        scan(source, matches::add);
        return matches;
    }

    /**
     * Rolls through {@code source} once; hands {@code matches} the chunks it holds that no earlier scan found
     * (each at the first offset where it was seen), as it finds them. A chunk of identical content to another
     * is found at the same offset.
     */
    public void scan(Source source, Consumer<Match> matches) throws IOException {
        long size = source.size();
        boolean full = fullLeft > 0 && size >= fullLength;
        boolean last = shortWanted && size >= lastLength;
        if (!full && !last) return;
        int n = fullLength;
        int s = lastLength;
        int widest = full ? Math.max(n, last ? s : 0) : s;
        byte[] buf = new byte[(int) Math.max(Math.min(MIN_BUFFER, size), 2L * widest + 1)];
        long bufStart = 0;
        int bufLen = refill(source, buf, 0, 0, size);
        MessageDigest sha = io.reizi.ota.wire.Sha256.newDigest();
        // The rolling sums of both windows as locals (WeakChecksum's arithmetic, inlined: this loop runs per byte)
        int fa = 0, fb = 0, la = 0, lb = 0;
        if (full) {
            WeakChecksum w = WeakChecksum.over(buf, 0, n);
            fa = w.value() & 0xffff;
            fb = w.value() >>> 16;
        }
        if (last) {
            WeakChecksum w = WeakChecksum.over(buf, 0, s);
            la = w.value() & 0xffff;
            lb = w.value() >>> 16;
        }
        final long[] bits = filter;
        final int lastWeak = index.weak(lastSeq);
        for (long p = 0; ; p++) {
            int at = (int) (p - bufStart);
            if (full && p + n <= size) {
                int w = fa | fb << 16;
                int h = w * MIX;
                if ((bits[h >>> (32 - FILTER_BITS + 6)] & 1L << (h >>> (32 - FILTER_BITS))) != 0) {
                    matchFull(w, buf, at, p, sha, matches);
                }
            }
            if (last && p + s <= size && (la | lb << 16) == lastWeak) {
                sha.update(buf, at, s);
                if (index.strongMatches(lastSeq, sha.digest())) {
                    matches.accept(new Match(lastSeq, p, s));
                    found.set(lastSeq);
                    shortWanted = false;
                    last = false;
                }
            }
            full = full && fullLeft > 0 && p + n < size;
            last = last && p + s < size;
            if (!full && !last) { // the end of the source, or nothing left to look for
                bytesScanned += Math.min(size, p + widest);
                break;
            }
            if (p + widest + 1 > bufStart + bufLen && bufStart + bufLen < size) {
                int keep = bufLen - at;
                System.arraycopy(buf, at, buf, 0, keep);
                bufStart = p;
                bufLen = refill(source, buf, keep, bufStart, size);
                at = 0;
            }
            int out = buf[at] & 0xff;
            if (full) {
                fa = (fa - out + (buf[at + n] & 0xff)) & 0xffff;
                fb = (fb - n * out + fa) & 0xffff;
            }
            if (last) {
                la = (la - out + (buf[at + s] & 0xff)) & 0xffff;
                lb = (lb - s * out + la) & 0xffff;
            }
        }
    }

    /** Every wanted full-length chunk with this weak checksum and the window's SHA-256; each is then unlinked. */
    private void matchFull(int weak, byte[] buf, int at, long p, MessageDigest sha, Consumer<Match> matches) {
        int bucket = bucket(weak);
        byte[] digest = null;
        int prev = -1;
        for (int seq = head[bucket]; seq >= 0; ) {
            int following = next[seq];
            boolean hit = false;
            if (weakOf[seq] == weak) {
                if (digest == null) {
                    sha.update(buf, at, fullLength);
                    digest = sha.digest();
                }
                hit = index.strongMatches(seq, digest);
            }
            if (hit) {
                matches.accept(new Match(seq, p, fullLength));
                found.set(seq);
                if (prev < 0) head[bucket] = following;
                else next[prev] = following;
                fullLeft--;
            } else {
                prev = seq;
            }
            seq = following;
        }
    }

    /** Fills {@code buf} from {@code keep} on with the source's bytes after the {@code keep} it holds at {@code start}. */
    private static int refill(Source source, byte[] buf, int keep, long start, long size) throws IOException {
        int len = keep;
        while (len < buf.length && start + len < size) {
            int n = source.read(start + len, buf, len, (int) Math.min(buf.length - len, size - start - len));
            if (n <= 0) throw new IOException("source ended at " + (start + len) + " of " + size + " bytes");
            len += n;
        }
        return len;
    }

    private int bucket(int weak) {
        return (weak * MIX) >>> shift;
    }
}
