package io.reizi.watchdog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The receiving end of sd_notify, as systemd holds it: a bound AF_UNIX datagram socket. The agent never
 * needs one; it is here, beside the sending code, so that tests and tools talk to a real socket.
 */
public final class NotifyListener implements AutoCloseable {
    private final String address;
    private final int fd;

    private NotifyListener(String address, int fd) {
        this.address = address;
        this.fd = fd;
    }

    public static NotifyListener bind(String address) throws IOException {
        if (!address.startsWith("@")) Files.deleteIfExists(Path.of(address));
        int fd = Libc.datagramSocket();
        try {
            Libc.bind(fd, address);
        } catch (IOException e) {
            Libc.close(fd);
            throw e;
        }
        return new NotifyListener(address, fd);
    }

    public String address() {
        return address;
    }

    /** The next message, or null when none arrives within {@code wait}. */
    public String receive(Duration wait) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            byte[] got = Libc.receiveNow(fd);
            if (got != null) return new String(got, StandardCharsets.UTF_8);
            if (System.nanoTime() > deadline) return null;
            Thread.sleep(5);
        }
    }

    @Override
    public void close() throws IOException {
        Libc.close(fd);
        if (!address.startsWith("@")) Files.deleteIfExists(Path.of(address));
    }
}
