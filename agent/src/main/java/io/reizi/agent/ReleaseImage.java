package io.reizi.agent;

import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.Sha256;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/** The image file a publisher serves: its manifest (size and SHA-256 from one pass) and its chunks, read on demand. */
final class ReleaseImage implements Closeable {
    private final Publisher.Release release;
    private final Manifest manifest;
    private final FileChannel file;

    private ReleaseImage(Publisher.Release release, Manifest manifest, FileChannel file) {
        this.release = release;
        this.manifest = manifest;
        this.file = file;
    }

    static ReleaseImage open(Publisher.Release r) throws IOException {
        FileChannel file = FileChannel.open(r.image(), StandardOpenOption.READ);
        try {
            MessageDigest digest = Sha256.newDigest();
            long size = 0;
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            int n;
            while ((n = file.read(buf, size)) > 0) {
                buf.flip();
                digest.update(buf);
                size += n;
                buf.clear();
            }
            if (size == 0) throw new IOException("image " + r.image() + " is empty");
            int count = (int) ((size + r.chunk() - 1) / r.chunk());
            Manifest m = new Manifest(r.image().getFileName().toString().replaceFirst("\\.[^.]*$", ""), r.ver(),
                    r.label(), r.kind(), r.entry(), size, r.chunk(), count, Sha256.text(digest.digest()), r.hw(),
                    r.expires());
            return new ReleaseImage(r, m, file);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    Manifest manifest() {
        return manifest;
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
