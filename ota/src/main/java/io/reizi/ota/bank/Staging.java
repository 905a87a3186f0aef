package io.reizi.ota.bank;

import io.reizi.ota.wire.Sha256;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Optional;

/**
 * A download in progress inside the inactive bank: {@code image.part} written at chunk offsets,
 * {@code received.bitmap} recording the chunks whose data is already fsync'd, and {@code download.cose},
 * the signed manifest it belongs to. The bitmap is only ever written after the data it records is synced.
 */
public final class Staging implements Closeable {
    static final String PART = "image.part";
    static final String BITMAP = "received.bitmap";
    static final String MANIFEST = "download.cose";
    public static final String IMAGE = "image";
    public static final String SIGNED_MANIFEST = "manifest.cose";

    /** What a previous run left behind: the signed manifest and the chunks known to be on disk. */
    public record Leftover(byte[] cose, BitSet durable) {}

    private final Path dir;
    private final int count;
    private final FileChannel image;
    private final FileChannel bitmap;

    private Staging(Path dir, int count) throws IOException {
        this.dir = dir;
        this.count = count;
        this.image = FileChannel.open(dir.resolve(PART), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        this.bitmap = FileChannel.open(dir.resolve(BITMAP), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }

    /** Reads the leftover of an interrupted download in {@code dir}, if there is one. */
    public static Optional<Leftover> leftover(Path dir) throws IOException {
        Path cose = dir.resolve(MANIFEST);
        if (!Files.exists(cose) || !Files.exists(dir.resolve(PART))) return Optional.empty();
        BitSet durable = Files.exists(dir.resolve(BITMAP))
                ? BitSet.valueOf(Files.readAllBytes(dir.resolve(BITMAP))) : new BitSet();
        return Optional.of(new Leftover(Files.readAllBytes(cose), durable));
    }

    /** Starts a new download into {@code dir}, dropping whatever the bank held. */
    public static Staging start(Path dir, byte[] cose, int count) throws IOException {
        discard(dir);
        Files.deleteIfExists(dir.resolve(IMAGE));
        Files.deleteIfExists(dir.resolve(SIGNED_MANIFEST));
        Durable.writeAtomically(dir.resolve(MANIFEST), cose);
        Staging s = new Staging(dir, count);
        s.bitmap.truncate(0);
        s.image.truncate(0);
        s.bitmap.force(true);
        Durable.syncDir(dir);
        return s;
    }

    /** Continues the download that {@link #leftover} found. */
    public static Staging resume(Path dir, int count) throws IOException {
        return new Staging(dir, count);
    }

    /** Writes chunk data at its offset; not durable until {@link #sync}. */
    public void write(long offset, byte[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(data);
        long pos = offset;
        while (buf.hasRemaining()) pos += image.write(buf, pos);
    }

    /** Makes the written data durable, then records {@code received} as durable. */
    public void sync(BitSet received) throws IOException {
        image.force(false);
        byte[] bits = Arrays.copyOf(received.toByteArray(), (count + 7) / 8);
        ByteBuffer buf = ByteBuffer.wrap(bits);
        long pos = 0;
        while (buf.hasRemaining()) pos += bitmap.write(buf, pos);
        bitmap.force(false);
    }

    /** SHA-256 of the staged image, read back from disk in small blocks. */
    public String hash(long size) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long pos = 0;
        while (pos < size) {
            buf.clear();
            if (size - pos < buf.capacity()) buf.limit((int) (size - pos));
            int n = image.read(buf, pos);
            if (n < 0) break;
            pos += n;
            buf.flip();
            digest.update(buf);
        }
        if (pos != size) throw new IOException("staged image is " + pos + " bytes, expected " + size);
        return Sha256.text(digest.digest());
    }

    /** Turns the verified download into the bank's image and signed manifest. */
    public void promote() throws IOException {
        close();
        Files.move(dir.resolve(PART), dir.resolve(IMAGE), StandardCopyOption.ATOMIC_MOVE);
        Files.move(dir.resolve(MANIFEST), dir.resolve(SIGNED_MANIFEST), StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(dir.resolve(BITMAP));
        Durable.syncDir(dir);
    }

    /** Removes a download's files from {@code dir}. */
    public static void discard(Path dir) throws IOException {
        for (String f : new String[] {PART, BITMAP, MANIFEST}) Files.deleteIfExists(dir.resolve(f));
    }

    @Override
    public void close() throws IOException {
        try (image; bitmap) {
            // both closed
        }
    }
}
