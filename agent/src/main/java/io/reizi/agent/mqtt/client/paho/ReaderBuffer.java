package io.reizi.agent.mqtt.client.paho;

import java.io.IOException;
import java.io.InputStream;

/**
 * A read buffer for one reading thread, under Paho's receiver. Paho v5 1.2.5 reads each packet's fixed header
 * (one byte, then one to four bytes of length) a byte at a time: straight from a socket that is a system call per
 * byte, from a TLS socket a lock per byte. (Payloads come off the stream in bulk since paho-patched/ gave its
 * CountingInputStream a bulk read.) Unsynchronized on purpose: only Paho's receiver thread reads it, and
 * java.io.BufferedInputStream takes a lock on every single-byte read (measured: 64 KiB chunks at 37 MB/s with it).
 */
final class ReaderBuffer extends InputStream {
    private static final int BUFFER = 64 * 1024;
    private final InputStream source;
    private final byte[] buf = new byte[BUFFER];
    private int pos;
    private int limit;

    ReaderBuffer(InputStream source) {
        this.source = source;
    }

    private boolean fill() throws IOException {
        int n = source.read(buf, 0, buf.length);
        if (n <= 0) return false;
        pos = 0;
        limit = n;
        return true;
    }

    @Override
    public int read() throws IOException {
        if (pos == limit && !fill()) return -1;
        return buf[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (pos == limit) {
            if (len >= buf.length) return source.read(b, off, len);
            if (!fill()) return -1;
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    /** Paho asks before every packet; what is buffered answers it without an ioctl(FIONREAD) each time. */
    @Override
    public int available() throws IOException {
        return pos < limit ? limit - pos : source.available();
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
