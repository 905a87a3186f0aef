package io.reizi.ota.delta;

import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.Sha256;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** The publisher's side: the chunks of an image, in {@code seq} order, make its index. */
public final class ChunkIndexBuilder {
    private final ByteArrayOutputStream weak = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strong = new ByteArrayOutputStream();
    private int count;

    /** Adds the next chunk, {@code data[off .. off+len-1]}. */
    public void add(byte[] data, int off, int len) {
        weak.writeBytes(ByteBuffer.allocate(4).putInt(WeakChecksum.of(data, off, len)).array());
        var digest = Sha256.newDigest();
        digest.update(data, off, len);
        strong.writeBytes(digest.digest());
        count++;
    }

    public ChunkIndex build(long ver, int chunk) {
        return new ChunkIndex(ver, chunk, count, weak.toByteArray(), strong.toByteArray());
    }
}
