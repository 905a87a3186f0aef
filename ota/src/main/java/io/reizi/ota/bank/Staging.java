package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.Refusal;
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
 * A download in progress into the inactive bank: chunks written at their offsets in the bank's staging
 * path (a file beside the image, or the partition itself), {@code received.bitmap} recording the chunks
 * whose data is already fsync'd, and {@code download.cose}, the signed manifest it belongs to. The bitmap
 * is only ever written after the data it records is synced.
 */
public final class Staging implements Closeable {
    static final String PART = "image.part";
    static final String BITMAP = "received.bitmap";
    static final String MANIFEST = "download.cose";
    /** The chunk index the download's manifest names (contract 1.1), so that a restart need not wait for it. */
    static final String INDEX = "download.index";
    /** The chunks of the download filled from what the device held (contract 1.1 {@code reused}), as a bitmap. */
    static final String REUSED = "reused.bitmap";
    public static final String IMAGE = "image";
    public static final String SIGNED_MANIFEST = "manifest.cose";
    /** Far above any manifest the broker lets through (its message_size_limit is about 1 MiB). */
    static final long MAX_MANIFEST_BYTES = 4L << 20;
    /** 36 bytes a chunk: an index for a million chunks. */
    static final long MAX_INDEX_BYTES = 40L << 20;
    private static final System.Logger LOG = System.getLogger(Staging.class.getName());

    /** What a previous run left behind: the signed manifest and the chunks known to be on disk. */
    public record Leftover(byte[] cose, BitSet durable) {}

    private final int count;
    private final Path dataPath;
    private final FileChannel data;
    private final Path bitmapPath;
    private final FileChannel bitmap;

    private Staging(BankBackend banks, Bank bank, int count) throws IOException {
        this.count = count;
        this.dataPath = banks.stagingPath(bank);
        this.data = FileChannel.open(dataPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.bitmapPath = banks.bankDir(bank).resolve(BITMAP);
        this.bitmap = FileChannel.open(bitmapPath, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }

    /** Reads the leftover of an interrupted download into {@code bank}, if there is one. */
    public static Optional<Leftover> leftover(BankBackend banks, Bank bank) throws IOException {
        if (!Files.exists(banks.stagingPath(bank))) return Optional.empty();
        return leftoverIn(banks.bankDir(bank));
    }

    /**
     * The download recorded in a bank's metadata folder (for reading a data dir without its backend). Side
     * files that cannot be what this class wrote are discarded with a warning: a signed manifest over
     * {@link #MAX_MANIFEST_BYTES} drops the download; a bitmap whose length is not the manifest's
     * {@code ceil(count / 8)} bytes, or with bits past {@code count}, is read as empty (the download then
     * asks again for everything). The manifest's signature is checked by the caller, not here.
     */
    public static Optional<Leftover> leftoverIn(Path meta) throws IOException {
        Path cose = meta.resolve(MANIFEST);
        if (!Files.exists(cose)) return Optional.empty();
        long coseSize = Files.size(cose);
        if (coseSize > MAX_MANIFEST_BYTES) {
            LOG.log(System.Logger.Level.WARNING, cose + " is " + coseSize + " bytes, not a signed manifest: dropping"
                    + " the download it records");
            for (String f : new String[] {BITMAP, MANIFEST}) Files.deleteIfExists(meta.resolve(f));
            return Optional.empty();
        }
        byte[] signed = Files.readAllBytes(cose);
        return Optional.of(new Leftover(signed, durableChunks(meta.resolve(BITMAP), chunkCount(signed))));
    }

    /** The manifest's chunk count, or -1 when the manifest does not decode (the caller then drops it). */
    private static int chunkCount(byte[] signed) {
        try {
            return ManifestCodec.decode(CoseSign1.decode(signed).payload()).count();
        } catch (Refusal r) {
            return -1;
        }
    }

    private static BitSet durableChunks(Path bitmap, int count) throws IOException {
        if (!Files.exists(bitmap) || count < 0) return new BitSet();
        long expected = (count + 7) / 8;
        long size = Files.size(bitmap);
        if (size != 0 && size != expected) {
            LOG.log(System.Logger.Level.WARNING, bitmap + " is " + size + " bytes, not " + expected + " for " + count
                    + " chunks: discarded, the download asks again for every chunk");
            return new BitSet();
        }
        BitSet durable = BitSet.valueOf(Files.readAllBytes(bitmap));
        if (durable.length() > count) {
            LOG.log(System.Logger.Level.WARNING, bitmap + " marks chunks past the last (" + count
                    + "): discarded, the download asks again for every chunk");
            return new BitSet();
        }
        return durable;
    }

    /** Starts a new download into {@code bank}, dropping whatever the bank held. */
    public static Staging start(BankBackend banks, Bank bank, byte[] cose, int count) throws IOException {
        Path meta = banks.bankDir(bank);
        discard(banks, bank);
        Files.deleteIfExists(meta.resolve(SIGNED_MANIFEST));
        boolean separateFile = !banks.stagingPath(bank).equals(banks.imagePath(bank));
        if (separateFile) Files.deleteIfExists(banks.imagePath(bank));
        Durable.writeAtomically(meta.resolve(MANIFEST), cose);
        Staging s = new Staging(banks, bank, count);
        s.bitmap.truncate(0);
        if (separateFile) s.data.truncate(0); // a partition keeps its size
        Durable.force(s.bitmap, s.bitmapPath);
        Durable.syncDir(meta);
        return s;
    }

    /** Continues the download that {@link #leftover} found. */
    public static Staging resume(BankBackend banks, Bank bank, int count) throws IOException {
        return new Staging(banks, bank, count);
    }

    /** Writes chunk data at its offset; not durable until {@link #sync}. */
    public void write(long offset, byte[] bytes) throws IOException {
        DiskActivity.during(() -> {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            long pos = offset;
            while (buf.hasRemaining()) pos += data.write(buf, pos);
        });
    }

    /** Makes the written data durable, then records {@code received} as durable. */
    public void sync(BitSet received) throws IOException {
        Durable.forceData(data, dataPath);
        byte[] bits = Arrays.copyOf(received.toByteArray(), (count + 7) / 8);
        DiskActivity.during(() -> {
            ByteBuffer buf = ByteBuffer.wrap(bits);
            long pos = 0;
            while (buf.hasRemaining()) pos += bitmap.write(buf, pos);
        });
        Durable.forceData(bitmap, bitmapPath);
    }

    /** Keeps the download's chunk index (as published, its hash checked by the caller) beside its manifest. */
    public static void saveIndex(BankBackend banks, Bank bank, byte[] published) throws IOException {
        Durable.writeAtomically(banks.bankDir(bank).resolve(INDEX), published);
    }

    /** The chunk index saved with the download into {@code bank}, if any; the caller checks it against the manifest. */
    public static Optional<byte[]> savedIndex(BankBackend banks, Bank bank) throws IOException {
        Path index = banks.bankDir(bank).resolve(INDEX);
        if (!Files.exists(index) || Files.size(index) > MAX_INDEX_BYTES) return Optional.empty();
        return Optional.of(Files.readAllBytes(index));
    }

    /** Where the download into {@code bank} records its reused chunks (written atomically by the caller). */
    public static Path reusedFile(BankBackend banks, Bank bank) {
        return banks.bankDir(bank).resolve(REUSED);
    }

    /**
     * The reused chunks recorded with the download into {@code bank}, only those the durable bitmap has too
     * ({@code durable}); none when the record is missing or is not a bitmap of {@code count} chunks.
     */
    public static BitSet savedReused(BankBackend banks, Bank bank, int count, BitSet durable) throws IOException {
        Path file = reusedFile(banks, bank);
        if (!Files.exists(file) || Files.size(file) > (count + 7) / 8) return new BitSet();
        BitSet reused = BitSet.valueOf(Files.readAllBytes(file));
        reused.and(durable);
        return reused;
    }

    /** SHA-256 of the first {@code size} bytes of a file or partition. */
    public static String hashOf(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return Sha256.text(digest(ch, size));
        }
    }

    private static byte[] digest(FileChannel ch, long size) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long pos = 0;
        while (pos < size) {
            buf.clear();
            if (size - pos < buf.capacity()) buf.limit((int) (size - pos));
            int n = ch.read(buf, pos);
            if (n < 0) break;
            pos += n;
            buf.flip();
            digest.update(buf);
        }
        if (pos != size) throw new IOException("staged image is " + pos + " bytes, expected " + size);
        return digest.digest();
    }

    /**
     * Turns the verified download in {@code bank} into the bank's image and signed manifest. Idempotent: a run
     * that a power cut interrupted between the renames is finished by running it again.
     */
    public static void promote(BankBackend banks, Bank bank) throws IOException {
        Path meta = banks.bankDir(bank);
        Path staging = banks.stagingPath(bank);
        if (!staging.equals(banks.imagePath(bank)) && Files.exists(staging)) {
            Files.move(staging, banks.imagePath(bank), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.exists(meta.resolve(MANIFEST))) {
            Files.move(meta.resolve(MANIFEST), meta.resolve(SIGNED_MANIFEST), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        }
        Files.deleteIfExists(meta.resolve(BITMAP));
        Files.deleteIfExists(meta.resolve(INDEX));
        Files.deleteIfExists(meta.resolve(REUSED));
        Durable.syncDir(meta);
    }

    /** The signed manifest of a download into {@code bank} ({@code download.cose}), whatever its files' state. */
    public static Optional<byte[]> downloadManifest(BankBackend banks, Bank bank) throws IOException {
        Path cose = banks.bankDir(bank).resolve(MANIFEST);
        return Files.exists(cose) ? Optional.of(Files.readAllBytes(cose)) : Optional.empty();
    }

    /** The signed manifest of the image the bank holds ({@code manifest.cose}), when both are there. */
    public static Optional<byte[]> installedManifest(BankBackend banks, Bank bank) throws IOException {
        Path cose = banks.bankDir(bank).resolve(SIGNED_MANIFEST);
        if (!Files.exists(cose) || !Files.exists(banks.imagePath(bank))) return Optional.empty();
        return Optional.of(Files.readAllBytes(cose));
    }

    /** The file to hash for a download into {@code bank}: the staging file, or the image it was renamed to. */
    public static Path stagedData(BankBackend banks, Bank bank) {
        Path staging = banks.stagingPath(bank);
        return Files.exists(staging) ? staging : banks.imagePath(bank);
    }

    /** Removes a download's files (a partition itself stays, with whatever was written to it). */
    public static void discard(BankBackend banks, Bank bank) throws IOException {
        Path meta = banks.bankDir(bank);
        for (String f : new String[] {BITMAP, MANIFEST, INDEX, REUSED}) Files.deleteIfExists(meta.resolve(f));
        if (!banks.stagingPath(bank).equals(banks.imagePath(bank))) Files.deleteIfExists(banks.stagingPath(bank));
    }

    @Override
    public void close() throws IOException {
        try (data; bitmap) {
            // both closed
        }
    }
}
