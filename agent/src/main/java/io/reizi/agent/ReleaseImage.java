package io.reizi.agent;

import io.reizi.ota.delta.ChunkIndexBuilder;
import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.ChunkIndexCodec;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.Sha256;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The image file a publisher serves: its manifest and chunk index (size, SHA-256 and every chunk's weak and
 * strong checksums from one pass) and its chunks, read on demand.
 */
final class ReleaseImage implements Closeable {
    private final Publication release;
    private final Manifest manifest;
    private final Optional<byte[]> index;
    private final FileChannel file;

    private ReleaseImage(Publication release, Manifest manifest, Optional<byte[]> index, FileChannel file) {
        this.release = release;
        this.manifest = manifest;
        this.index = index;
        this.file = file;
    }

    static ReleaseImage open(Publication r) throws IOException {
        FileChannel file = FileChannel.open(r.image(), StandardOpenOption.READ);
        try {
            MessageDigest digest = Sha256.newDigest();
            ChunkIndexBuilder chunks = new ChunkIndexBuilder();
            long size = 0;
            byte[] chunk = new byte[r.chunk()];
            int n;
            while ((n = readChunk(file, size, chunk)) > 0) {
                digest.update(chunk, 0, n);
                chunks.add(chunk, 0, n);
                size += n;
            }
            if (size == 0) throw new IOException("image " + r.image() + " is empty");
            int count = (int) ((size + r.chunk() - 1) / r.chunk());
            Manifest m = new Manifest(r.image().getFileName().toString().replaceFirst("\\.[^.]*$", ""), r.ver(),
                    r.label(), r.kind(), r.entry(), size, r.chunk(), count, Sha256.text(digest.digest()), r.hw(),
                    r.expires());
            if (!r.index()) return new ReleaseImage(r, m, Optional.empty(), file);
            byte[] index = ChunkIndexCodec.encode(chunks.build(r.ver(), r.chunk()));
            return new ReleaseImage(r, m.withIndex(Sha256.text(Sha256.digest(index))), Optional.of(index), file);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Fills {@code chunk} from {@code pos} as far as the file goes; the bytes read, 0 at the end. */
    private static int readChunk(FileChannel file, long pos, byte[] chunk) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(chunk);
        while (buf.hasRemaining()) {
            if (file.read(buf, pos + buf.position()) < 0) break;
        }
        return buf.position();
    }

    /** The manifest, naming the index unless the release is published without one. */
    Manifest manifest() {
        return manifest;
    }

    /** The chunk index's CBOR as published (its SHA-256 is the manifest's {@code index}), unless --no-index. */
    Optional<byte[]> index() {
        return index;
    }

    byte[] chunk(int seq) throws IOException {
        byte[] data = new byte[manifest.chunkLength(seq)];
        ByteBuffer buf = ByteBuffer.wrap(data);
        long pos = manifest.offset(seq);
        while (buf.hasRemaining()) {
            int n = file.read(buf, pos + buf.position());
            if (n < 0) throw new IOException("image " + release.image() + " shrank while publishing");
        }
        return data;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
