package io.reizi.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FFM paths on real descriptors. There is no /dev/watchdog on these machines, so the ioctl path is
 * exercised where it must fail cleanly: a pseudo-terminal answers WDIOC_* with ENOTTY.
 */
class NativeWatchdogTest {
    @TempDir
    Path dir;

    @Test
    void ioctlNumbersFollowTheGenericEncoding() {
        // The values <linux/watchdog.h> gives on x86-64 and aarch64.
        assertEquals(0x80045705L, Ioctl.WDIOC_KEEPALIVE);
        assertEquals(0xC0045706L, Ioctl.WDIOC_SETTIMEOUT);
        assertEquals(0x80045707L, Ioctl.WDIOC_GETTIMEOUT);
        assertEquals(0xC0045708L, Ioctl.WDIOC_SETPRETIMEOUT);
    }

    @Test
    void watchdogIoctlOnAPtyFailsWithENOTTY() throws Exception {
        int fd = Libc.open("/dev/ptmx", Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC);
        try {
            Libc.NativeException e = assertThrows(Libc.NativeException.class, () -> LinuxWatchdog.getTimeout(fd, "/dev/ptmx"));
            assertEquals(Libc.ENOTTY, e.errno());
            assertTrue(e.getMessage().contains("WDIOC_GETTIMEOUT on /dev/ptmx"), e.getMessage());
            assertTrue(e.getMessage().contains("Inappropriate ioctl"), e.getMessage());
        } finally {
            Libc.close(fd);
        }
        IOException open = assertThrows(IOException.class,
                () -> LinuxWatchdog.open("/dev/ptmx", Duration.ofSeconds(5), Optional.empty()));
        assertTrue(open.getMessage().contains("WDIOC_SETTIMEOUT"), open.getMessage());
        IOException missing = assertThrows(IOException.class,
                () -> LinuxWatchdog.open(dir.resolve("no-watchdog").toString(), Duration.ofSeconds(5), Optional.empty()));
        assertTrue(missing.getMessage().contains("No such file"), missing.getMessage());
    }

    @Test
    void hardwareTimeoutsRoundUpToWholeSeconds() {
        assertEquals(1, LinuxWatchdog.seconds(Duration.ofMillis(200)));
        assertEquals(5, LinuxWatchdog.seconds(Duration.ofMillis(4001)));
    }

    @Test
    void sdNotifyReachesAPathAndAnAbstractSocket() throws Exception {
        for (String address : new String[] {dir.resolve("notify.sock").toString(), "@reizi-test-" + ProcessHandle.current().pid()}) {
            try (NotifyListener systemd = NotifyListener.bind(address);
                    SystemdNotify notify = SystemdNotify.connect(address, Duration.ofSeconds(2))) {
                notify.ready("connected");
                assertEquals("READY=1\nSTATUS=connected", systemd.receive(Duration.ofSeconds(2)));
                notify.kick();
                assertEquals("WATCHDOG=1", systemd.receive(Duration.ofSeconds(2)));
                assertEquals(Duration.ofSeconds(5), notify.setTimeout(Duration.ofSeconds(5)));
                assertEquals("WATCHDOG_USEC=5000000", systemd.receive(Duration.ofSeconds(2)));
                notify.stopping();
                assertEquals("STOPPING=1", systemd.receive(Duration.ofSeconds(2)));
                assertNull(systemd.receive(Duration.ofMillis(50)));
            }
        }
    }

    @Test
    void sdNotifyToNobodyIsAClearError() throws Exception {
        try (SystemdNotify notify = SystemdNotify.connect(dir.resolve("absent.sock").toString(), null)) {
            IOException e = assertThrows(IOException.class, notify::kick);
            assertTrue(e.getMessage().contains("sendto"), e.getMessage());
        }
    }
}
