package io.reizi.watchdog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * sd_notify: datagrams to {@code $NOTIFY_SOCKET} (a path, or an abstract name starting with '@'), sent with
 * FFM since the JDK has no AF_UNIX datagram channel. As a watchdog: {@code WATCHDOG=1} kicks, and
 * {@code WATCHDOG_USEC=} changes the timeout systemd enforces (extended on panic, restored after).
 */
public final class SystemdNotify implements Watchdog {
    private final String socket;
    private final int fd;
    private Duration timeout;

    private SystemdNotify(String socket, int fd, Duration timeout) {
        this.socket = socket;
        this.fd = fd;
        this.timeout = timeout;
    }

    /**
     * Links the native calls {@link #fromEnvironment()} needs, without opening anything: linking spins a few
     * hundred classes the AOT cache cannot hold, so a caller may do it on another thread ahead of time.
     */
    public static void link() {
        Libc.linkNotify();
    }

    /** Empty when the agent does not run under systemd ({@code NOTIFY_SOCKET} unset): every call is then a no-op. */
    public static Optional<SystemdNotify> fromEnvironment() throws IOException {
        String socket = System.getenv("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) return Optional.empty();
        String usec = System.getenv("WATCHDOG_USEC");
        Duration timeout = usec == null ? null : Duration.ofNanos(Long.parseLong(usec.trim()) * 1000);
        String pid = System.getenv("WATCHDOG_PID");
        if (pid != null && !pid.trim().equals(Long.toString(ProcessHandle.current().pid()))) timeout = null;
        return Optional.of(connect(socket, timeout));
    }

    /** Notifies {@code socket} directly; {@code watchdogTimeout} null when systemd expects no pings. */
    public static SystemdNotify connect(String socket, Duration watchdogTimeout) throws IOException {
        return new SystemdNotify(socket, Libc.datagramSocket(), watchdogTimeout);
    }

    /** True when systemd expects watchdog pings from this process ({@code WatchdogSec=}). */
    public boolean watchdogEnabled() {
        return timeout != null;
    }

    public void send(String message) throws IOException {
        Libc.sendTo(fd, socket, message.getBytes(StandardCharsets.UTF_8));
    }

    public void ready(String status) throws IOException {
        send("READY=1\nSTATUS=" + status);
    }

    public void status(String status) throws IOException {
        send("STATUS=" + status);
    }

    /** Asks systemd for more time while a long step runs at start-up or shut-down. */
    public void extendTimeout(Duration more) throws IOException {
        send("EXTEND_TIMEOUT_USEC=" + more.toNanos() / 1000);
    }

    public void stopping() throws IOException {
        send("STOPPING=1");
    }

    @Override
    public String name() {
        return "systemd " + socket;
    }

    @Override
    public void kick() throws IOException {
        send("WATCHDOG=1");
    }

    @Override
    public Duration setTimeout(Duration wanted) throws IOException {
        send("WATCHDOG_USEC=" + wanted.toNanos() / 1000);
        timeout = wanted;
        return wanted;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public void close(boolean disarm) {
        Libc.close(fd);
    }
}
