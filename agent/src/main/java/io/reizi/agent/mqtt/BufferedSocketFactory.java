package io.reizi.agent.mqtt;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Plain TCP sockets whose input stream is buffered. Paho v5 1.2.5 reads each incoming payload byte by byte
 * from the socket's stream (its CountingInputStream has no bulk read): one system call per byte of every
 * chunk. Handing Paho a buffered stream from our side fixes that without forking Paho. The buffer is
 * unsynchronized on purpose: only Paho's receiver thread reads it, and java.io.BufferedInputStream takes a
 * lock on every single-byte read (measured: 64 KiB chunks at 37 MB/s with it).
 */
public final class BufferedSocketFactory extends SocketFactory {
    private static final int BUFFER = 64 * 1024;

    private static final class BufferedSocket extends Socket {
        private InputStream in;

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) in = new ReaderBuffer(super.getInputStream());
            return in;
        }
    }

    /** A read buffer for one reading thread. */
    private static final class ReaderBuffer extends InputStream {
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

    @Override
    public Socket createSocket() {
        return new BufferedSocket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return open(null, new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return open(new InetSocketAddress(localHost, localPort), new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return open(null, new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return open(new InetSocketAddress(localAddress, localPort), new InetSocketAddress(address, port));
    }

    private Socket open(InetSocketAddress local, InetSocketAddress remote) throws IOException {
        Socket s = createSocket();
        if (local != null) s.bind(local);
        s.connect(remote);
        return s;
    }
}
