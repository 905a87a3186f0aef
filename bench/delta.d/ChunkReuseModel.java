import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A MODEL, not the device's code: what a device holding OLD would need of NEW under the chunk-index contract
 * (protocol.md, version 1.1), so that bench/delta can check the targets before the device code exists and
 * cross-check it after. NEW is cut into CHUNK-byte chunks; each gets the contract's rsync weak checksum and
 * SHA-256 (the index). A window of CHUNK bytes rolls over OLD one byte at a time; where its weak checksum is
 * one of NEW's and the SHA-256 confirms it, every unfilled chunk with that content is filled and the window
 * jumps past the match (as zsync does). The last chunk, when shorter, is counted as sent.
 * Prints one line of key=value: wire_bytes = the chunks not filled + the index object's CBOR size;
 * deflated_wire_bytes = the same with each chunk not filled deflated on its own (a what-if: not in the contract).
 * Usage: java ChunkReuseModel.java OLD NEW CHUNK
 */
public final class ChunkReuseModel {
    public static void main(String[] args) throws IOException, NoSuchAlgorithmException {
        MappedByteBuffer old = map(Path.of(args[0]));
        MappedByteBuffer neu = map(Path.of(args[1]));
        int chunk = Integer.parseInt(args[2]);
        int count = (int) ((neu.capacity() + (long) chunk - 1) / chunk);
        int full = neu.capacity() / chunk;  // chunks of exactly CHUNK bytes: the only ones a window can match

        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[chunk];
        Map<Integer, List<Integer>> byWeak = new HashMap<>();
        byte[][] strong = new byte[full][];
        for (int seq = 0; seq < full; seq++) {
            neu.get(seq * chunk, block);
            strong[seq] = sha.digest(block);
            byWeak.computeIfAbsent(weak(block, 0, chunk), w -> new ArrayList<>()).add(seq);
        }

        long start = System.nanoTime();
        boolean[] filled = new boolean[full];
        int reused = 0;
        long confirmations = 0;
        int n = old.capacity();
        int k = 0;
        int a = 0, b = 0;
        boolean fresh = true;
        while (k + chunk <= n) {
            if (fresh) {
                a = 0; b = 0;
                for (int i = 0; i < chunk; i++) {
                    int x = old.get(k + i) & 0xff;
                    a += x;
                    b += (chunk - i) * x;
                }
                fresh = false;
            }
            int w = (a & 0xffff) | ((b & 0xffff) << 16);
            // Only chunks not yet filled are candidates: a filled one leaves its list, so that a run of zeros in
            // OLD, once NEW's zero chunks are filled, costs a failed lookup and not a walk over thousands.
            List<Integer> candidates = byWeak.get(w);
            boolean matched = false;
            if (candidates != null) {
                old.get(k, block);
                byte[] digest = sha.digest(block);
                confirmations++;
                for (int s : candidates) {
                    if (Arrays.equals(strong[s], digest)) {
                        filled[s] = true;
                        reused++;
                        matched = true;
                    }
                }
                if (matched) {
                    candidates.removeIf(s -> filled[s]);
                    if (candidates.isEmpty()) byWeak.remove(w);
                }
            }
            if (matched) {
                k += chunk;
                fresh = true;
                continue;
            }
            if (k + chunk >= n) break;
            int out = old.get(k) & 0xff;
            int in = old.get(k + chunk) & 0xff;
            a += in - out;
            b += a - chunk * out;
            k++;
        }
        long scanMs = (System.nanoTime() - start) / 1_000_000;

        // What the chunks not filled would weigh deflated one by one: the contract sends chunks raw, so this is a
        // what-if (a per-chunk encoding the contract does not have), for comparing with xdelta3, which compresses.
        long deflated = 0;
        java.util.zip.Deflater deflater = new java.util.zip.Deflater(6);
        byte[] out = new byte[chunk + 1024];
        for (int seq = 0; seq < count; seq++) {
            if (seq < full && filled[seq]) continue;
            int len = (int) Math.min(chunk, neu.capacity() - (long) seq * chunk);
            byte[] data = new byte[len];
            neu.get(seq * chunk, data);
            deflater.reset();
            deflater.setInput(data);
            deflater.finish();
            int size = 0;
            while (!deflater.finished()) size += deflater.deflate(out);
            deflated += Math.min(size, len);
        }

        long reusedBytes = (long) reused * chunk;
        long sentChunkBytes = neu.capacity() - reusedBytes;
        long indexBytes = indexCborSize(count, chunk);
        long wire = sentChunkBytes + indexBytes;
        System.out.printf(Locale.ROOT,
                "size=%d chunk=%d count=%d reused=%d reused_bytes=%d sent_chunk_bytes=%d index_bytes=%d wire_bytes=%d"
                        + " wire_pct=%.2f confirmations=%d scan_ms=%d deflated_wire_bytes=%d%n",
                neu.capacity(), chunk, count, reused, reusedBytes, sentChunkBytes, indexBytes, wire,
                100.0 * wire / neu.capacity(), confirmations, scanMs, deflated + indexBytes);
    }

    /** The contract's weak checksum: rsync's a + 2^16 b over bytes as unsigned values. */
    static int weak(byte[] x, int off, int len) {
        int a = 0, b = 0;
        for (int i = 0; i < len; i++) {
            int v = x[off + i] & 0xff;
            a += v;
            b += (len - i) * v;
        }
        return (a & 0xffff) | ((b & 0xffff) << 16);
    }

    /** The index object's CBOR size: a map of ver, chunk, count, weak (count x 4), strong (count x 32). */
    static long indexCborSize(long count, long chunk) {
        long ver = 1L << 32;  // a ver large enough to take the longest unsigned head but one: an upper bound in practice
        return 1 + (1 + 3) + head(ver) + (1 + 5) + head(chunk) + (1 + 5) + head(count)
                + (1 + 4) + head(count * 4) + count * 4 + (1 + 6) + head(count * 32) + count * 32;
    }

    static long head(long n) {
        return n < 24 ? 1 : n < 256 ? 2 : n < 65536 ? 3 : n < (1L << 32) ? 5 : 9;
    }

    private static MappedByteBuffer map(Path p) throws IOException {
        try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
            return c.map(FileChannel.MapMode.READ_ONLY, 0, c.size());
        }
    }
}
