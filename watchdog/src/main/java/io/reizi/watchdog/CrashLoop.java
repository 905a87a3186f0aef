package io.reizi.watchdog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

/**
 * The record of graceful panic exits ({@code panic-exits} in the data dir, one epoch-millisecond per line),
 * so that a restarted agent can tell a crash loop: too many exits within the window.
 */
public final class CrashLoop {
    private final Path file;
    private final int limit;
    private final Duration window;

    public CrashLoop(Path file, int limit, Duration window) {
        this.file = file;
        this.limit = limit;
        this.window = window;
    }

    /** Appends this exit durably (it is the last thing a panicking agent writes). */
    public void recordExit(long nowMillis) throws IOException {
        Files.writeString(file, nowMillis + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.SYNC);
    }

    /** Exits within the window before {@code nowMillis}. */
    public int recentExits(long nowMillis) throws IOException {
        if (!Files.exists(file)) return 0;
        List<String> lines = Files.readAllLines(file);
        long horizon = nowMillis - window.toMillis();
        return (int) lines.stream().map(String::strip).filter(l -> !l.isEmpty()).mapToLong(Long::parseLong)
                .filter(t -> t >= horizon).count();
    }

    public boolean looping(long nowMillis) throws IOException {
        return recentExits(nowMillis) >= limit;
    }

    /** After escalating: start counting afresh. */
    public void reset() throws IOException {
        Files.deleteIfExists(file);
    }

    public Duration window() {
        return window;
    }
}
