package io.reizi.agent;

import io.reizi.ota.delta.FileSource;
import io.reizi.ota.delta.FillScanner;
import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Delta by chunk reuse (contract 1.1): before a download with a chunk index asks for anything, every chunk it
 * lacks that the device already holds (the active release, the leftovers in the inactive bank) is found by
 * {@link FillScanner} and written into the inactive bank like a received chunk. Each copy is read again and
 * checked against the signed SHA-256 as it is written, since a source in the inactive bank may be overwritten
 * by an earlier copy; a chunk that fails is simply asked for. Durable at every {@link Checkpoint}.
 */
final class ChunkFill {
    /** A file or partition to look in: its first {@code size} bytes. */
    record Source(String name, Path file, long size) {}

    /** What the fill did and cost. */
    record Cost(int chunks, long bytes, long scannedBytes, long scanMs, long copyMs) {}

    /** Makes the chunks filled so far durable (data, then the bitmap that records them). */
    interface Checkpoint {
        void durable(int filled) throws IOException;
    }

    private record Planned(Source source, FillScanner.Match match) {}

    private ChunkFill() {}

    /**
     * Fills {@code d} from {@code sources}, looked in in that order (a chunk comes from the first that has it);
     * the copies are made from the last source first, so that a source that is also the target is read before
     * it is written.
     */
    static Cost run(DownloadSession d, ChunkIndex index, List<Source> sources, int checkpointEvery, Checkpoint checkpoint,
            Runnable progressing) throws IOException {
        BitSet wanted = new BitSet();
        wanted.set(0, d.manifest.count());
        wanted.andNot(d.transfer.receivedSet());
        FillScanner scanner = new FillScanner(d.manifest, index, wanted);
        long start = System.nanoTime();
        List<Planned> plan = new ArrayList<>();
        for (Source s : sources) {
            if (scanner.done()) break;
            try (FileSource file = FileSource.open(s.file(), s.size())) {
                for (FillScanner.Match m : scanner.scan(reportingReads(file, progressing))) plan.add(new Planned(s, m));
            } catch (IOException e) {
                Log.warn("cannot look for chunks in " + s.name() + " (" + s.file() + "): " + e.getMessage());
            }
        }
        long scanned = System.nanoTime();
        int filled = 0;
        long bytes = 0;
        for (int i = sources.size() - 1; i >= 0; i--) {
            Source s = sources.get(i);
            if (plan.stream().noneMatch(p -> p.source() == s)) continue;
            try (FileSource file = FileSource.open(s.file(), s.size())) {
                for (Planned p : plan) {
                    if (p.source() != s) continue;
                    byte[] data = read(file, p.match());
                    if (data == null || !index.strongMatches(p.match().seq(), Sha256.digest(data))) continue;
                    d.fill(p.match().seq(), data); // a write to the inactive bank: its failure is the caller's
                    progressing.run();
                    filled++;
                    bytes += data.length;
                    if (filled % checkpointEvery == 0) checkpoint.durable(filled);
                }
            }
        }
        if (filled % checkpointEvery != 0) checkpoint.durable(filled);
        return new Cost(filled, bytes, scanner.bytesScanned(), (scanned - start) / 1_000_000,
                (System.nanoTime() - scanned) / 1_000_000);
    }

    /** {@code source}, telling {@code progressing} at each read (the scanner reads a bounded buffer at a time). */
    private static FillScanner.Source reportingReads(FileSource source, Runnable progressing) {
        return new FillScanner.Source() {
            @Override
            public long size() {
                return source.size();
            }

            @Override
            public int read(long pos, byte[] dst, int off, int len) throws IOException {
                progressing.run();
                return source.read(pos, dst, off, len);
            }
        };
    }

    /** The match's bytes as the source holds them now; null when they cannot be read (the chunk is asked for). */
    private static byte[] read(FileSource file, FillScanner.Match m) {
        byte[] data = new byte[m.length()];
        int got = 0;
        try {
            while (got < data.length) {
                int n = file.read(m.offset() + got, data, got, data.length - got);
                if (n <= 0) return null;
                got += n;
            }
        } catch (IOException e) {
            Log.warn("cannot read chunk " + m.seq() + " at " + m.offset() + ": " + e.getMessage());
            return null;
        }
        return data;
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
