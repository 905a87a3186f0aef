package io.reizi.agent;

import io.reizi.ota.delta.FileSource;
import io.reizi.ota.delta.FillScanner;
import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Delta by chunk reuse (contract 1.1): before a download with a chunk index asks for anything, every chunk it
 * lacks that the device already holds (the active release, the leftovers in the inactive bank) is found by
 * {@link FillScanner} and written into the inactive bank like a received chunk. Each copy is read again and
 * checked against the signed SHA-256 as it is written, since a source in the inactive bank may be overwritten
 * by an earlier copy; a chunk that fails is simply asked for. Durable at every checkpoint of the {@link Target}.
 * Runs on a thread of its own, without the update's lock: only the {@link Target}'s calls take it.
 */
final class ChunkFill {
    /** A file or partition to look in: its first {@code size} bytes. */
    record Source(String name, Path file, long size) {}

    /** What the fill did and cost. */
    record Cost(int chunks, long bytes, long scannedBytes, long scanMs, long copyMs) {}

    /** What became of a copy handed to the {@link Target}. */
    enum Copy {
        WRITTEN,
        /** The chunk arrived (from the link) during the fill: not written again, not counted as reused. */
        ALREADY_RECEIVED,
        /** The download was closed or replaced: the fill stops. */
        STOP
    }

    /** Where the copies go. Each call may refuse: the download was closed or replaced meanwhile, the fill stops. */
    interface Target {
        /** Writes a verified chunk (not durable yet). */
        Copy fill(int seq, byte[] data) throws IOException;

        /** Makes the chunks filled so far durable (data, then the bitmap that records them); false: stop. */
        boolean durable(int filled) throws IOException;
    }

    /** The fill was told to stop (its download was closed or replaced): nothing more is written. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("fill stopped", null, false, false);
        }
    }

    /**
     * Where each found chunk is: its offset in the source that has it, and which source that is. Two primitive
     * arrays of the chunk count, not an object per match (a 185 MB image has 36 000 matches).
     */
    private static final class Plan {
        final long[] offset;
        final byte[] source;

        Plan(int count) {
            offset = new long[count];
            source = new byte[count];
        }
    }

    private ChunkFill() {}

    /**
     * Fills the chunks of {@code m} in {@code wanted} from {@code sources}, looked in in that order (a chunk
     * comes from the first that has it); the copies are made from the last source first, so that a source that
     * is also the target is read before it is written. {@code stop} is asked at every read and every copy.
     *
     * @throws Stopped when {@code stop} said so or the target refused a chunk
     */
    static Cost run(Manifest m, BitSet wanted, ChunkIndex index, List<Source> sources, int checkpointEvery,
            Target target, BooleanSupplier stop) throws IOException {
        if (sources.size() > Byte.MAX_VALUE) throw new IllegalArgumentException(sources.size() + " sources");
        FillScanner scanner = new FillScanner(m, index, wanted);
        long start = System.nanoTime();
        Plan plan = new Plan(m.count());
        for (int i = 0; i < sources.size() && !scanner.done(); i++) {
            Source s = sources.get(i);
            byte which = (byte) i;
            try (FileSource file = FileSource.open(s.file(), s.size())) {
                scanner.scan(stopping(file, stop), match -> {
                    plan.offset[match.seq()] = match.offset();
                    plan.source[match.seq()] = which;
                });
            } catch (IOException e) {
                Log.warn("cannot look for chunks in " + s.name() + " (" + s.file() + "): " + e.getMessage());
            }
        }
        BitSet found = scanner.found();
        long scanned = System.nanoTime();
        int filled = 0;
        long bytes = 0;
        byte[] chunk = new byte[m.chunk()]; // one buffer for every copy: the target writes it before it returns
        MessageDigest sha = Sha256.newDigest();
        for (int i = sources.size() - 1; i >= 0; i--) {
            try (FileSource file = FileSource.open(sources.get(i).file(), sources.get(i).size())) {
                for (int seq = found.nextSetBit(0); seq >= 0; seq = found.nextSetBit(seq + 1)) {
                    if (plan.source[seq] != i) continue;
                    if (stop.getAsBoolean()) throw new Stopped();
                    int length = m.chunkLength(seq);
                    byte[] data = length == chunk.length ? chunk : new byte[length];
                    if (!read(file, seq, plan.offset[seq], data)) continue;
                    sha.update(data);
                    if (!index.strongMatches(seq, sha.digest())) continue;
                    Copy copy = target.fill(seq, data); // a write to the inactive bank: its failure is the caller's
                    if (copy == Copy.STOP) throw new Stopped();
                    if (copy == Copy.ALREADY_RECEIVED) continue;
                    filled++;
                    bytes += data.length;
                    if (filled % checkpointEvery == 0 && !target.durable(filled)) throw new Stopped();
                }
            }
        }
        if (filled % checkpointEvery != 0 && !target.durable(filled)) throw new Stopped();
        return new Cost(filled, bytes, scanner.bytesScanned(), (scanned - start) / 1_000_000,
                (System.nanoTime() - scanned) / 1_000_000);
    }

    /** {@code source}, stopping at a read once {@code stop} says so. */
    private static FillScanner.Source stopping(FileSource source, BooleanSupplier stop) {
        return new FillScanner.Source() {
            @Override
            public long size() {
                return source.size();
            }

            @Override
            public int read(long pos, byte[] dst, int off, int len) throws IOException {
                if (stop.getAsBoolean()) throw new Stopped();
                return source.read(pos, dst, off, len);
            }
        };
    }

    /** Reads chunk {@code seq}'s bytes as the source holds them now; false when they cannot be (it is asked for). */
    private static boolean read(FileSource file, int seq, long offset, byte[] data) {
        int got = 0;
        try {
            while (got < data.length) {
                int n = file.read(offset + got, data, got, data.length - got);
                if (n <= 0) return false;
                got += n;
            }
        } catch (IOException e) {
            Log.warn("cannot read chunk " + seq + " at " + offset + ": " + e.getMessage());
            return false;
        }
        return true;
    }

    /** A source when {@code file} exists and holds something. */
    static List<Source> existing(List<Source> candidates) throws IOException {
        List<Source> found = new ArrayList<>();
        for (Source s : candidates) {
            if (s.size() > 0 && Files.exists(s.file())) found.add(s);
        }
        return found;
    }
}
