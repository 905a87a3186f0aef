package io.reizi.watchdog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code /dev/watchdog} through ioctls: {@code WDIOC_KEEPALIVE}, {@code WDIOC_SETTIMEOUT}/{@code GETTIMEOUT}
 * (whole seconds; the driver may round, and the value it returns is the one used), optional pre-timeout.
 * Closing writes the magic 'V' only when asked to disarm (an orderly stop that systemd will not restart).
 */
public final class LinuxWatchdog implements Watchdog {
    private final String device;
    private final int fd;
    private Duration timeout;

    private LinuxWatchdog(String device, int fd) {
        this.device = device;
        this.fd = fd;
    }

    public static LinuxWatchdog open(String device, Duration timeout, Optional<Duration> preTimeout) throws IOException {
        int fd = Libc.open(device, Libc.O_WRONLY | Libc.O_CLOEXEC);
        LinuxWatchdog w = new LinuxWatchdog(device, fd);
        try {
            w.setTimeout(timeout);
            if (preTimeout.isPresent()) {
                Libc.ioctlInt(fd, Ioctl.WDIOC_SETPRETIMEOUT, seconds(preTimeout.get()), "WDIOC_SETPRETIMEOUT on " + device);
            }
        } catch (IOException e) {
            Libc.close(fd); // not armed by us beyond the open: the driver's default applies until it closes
            throw e;
        }
        return w;
    }

    /** The timeout the driver is using now. */
    static int getTimeout(int fd, String device) throws IOException {
        return Libc.ioctlInt(fd, Ioctl.WDIOC_GETTIMEOUT, 0, "WDIOC_GETTIMEOUT on " + device);
    }

    @Override
    public String name() {
        return "hardware " + device;
    }

    @Override
    public void kick() throws IOException {
        Libc.ioctlInt(fd, Ioctl.WDIOC_KEEPALIVE, 0, "WDIOC_KEEPALIVE on " + device);
    }

    @Override
    public Duration setTimeout(Duration wanted) throws IOException {
        int got = Libc.ioctlInt(fd, Ioctl.WDIOC_SETTIMEOUT, seconds(wanted), "WDIOC_SETTIMEOUT on " + device);
        timeout = Duration.ofSeconds(got);
        return timeout;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public void close(boolean disarm) {
        if (disarm) {
            try {
                Libc.write(fd, "V".getBytes(StandardCharsets.US_ASCII), "magic close of " + device);
            } catch (IOException e) {
                // the driver stays armed: safer than the opposite
            }
        }
        Libc.close(fd);
    }

    /** Hardware timeouts are whole seconds: round up, never down. */
    static int seconds(Duration d) {
        return (int) Math.max(1, (d.toMillis() + 999) / 1000);
    }
}
