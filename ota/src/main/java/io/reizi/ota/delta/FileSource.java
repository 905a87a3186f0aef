package io.reizi.ota.delta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A file or partition as a {@link FillScanner.Source}: its first {@code size} bytes, read positionally. */
public final class FileSource implements FillScanner.Source, AutoCloseable {
    private final FileChannel channel;
    private final long size;

    private FileSource(FileChannel channel, long size) {
        this.channel = channel;
        this.size = size;
    }

    /** The first {@code size} bytes of {@code file} (a partition's size is its release's, not the device's). */
    public static FileSource open(Path file, long size) throws IOException {
        return new FileSource(FileChannel.open(file, StandardOpenOption.READ), size);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(long pos, byte[] dst, int off, int len) throws IOException {
        return channel.read(ByteBuffer.wrap(dst, off, len), pos);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
