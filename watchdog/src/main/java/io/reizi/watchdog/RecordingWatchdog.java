package io.reizi.watchdog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * A STAND-IN for {@code /dev/watchdog}, for machines that have none (CI, development): it appends every call
 * to a file ({@code open <ms>}, {@code kick}, {@code timeout <ms>}, {@code close magic|armed}) so that tests can
 * check the agent's watchdog policy. Selected with {@code watchdog-device = record:/path/to/file}; never on a device.
 */
public final class RecordingWatchdog implements Watchdog {
    public static final String PREFIX = "record:";
    private final Path file;
    private Duration timeout;

    private RecordingWatchdog(Path file, Duration timeout) {
        this.file = file;
        this.timeout = timeout;
    }

    public static RecordingWatchdog open(Path file, Duration timeout) throws IOException {
        RecordingWatchdog w = new RecordingWatchdog(file, timeout);
        w.record("open " + timeout.toMillis());
        return w;
    }

    @Override
    public String name() {
        return "stand-in " + file;
    }

    @Override
    public void kick() throws IOException {
        record("kick");
    }

    @Override
    public Duration setTimeout(Duration wanted) throws IOException {
        // Rounded up to whole seconds, as a hardware driver would.
        timeout = Duration.ofSeconds(LinuxWatchdog.seconds(wanted));
        record("timeout " + timeout.toMillis());
        return timeout;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public void close(boolean disarm) {
        try {
            record("close " + (disarm ? "magic" : "armed"));
        } catch (IOException ignored) {
            // nothing to close
        }
    }

    private synchronized void record(String line) throws IOException {
        Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
