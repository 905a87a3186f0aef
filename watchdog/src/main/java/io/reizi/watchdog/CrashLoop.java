package io.reizi.watchdog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The record of graceful panic exits ({@code panic-exits} in the data dir, one epoch-millisecond per line),
 * so that a restarted agent can tell a crash loop: too many exits within the window.
 */
public final class CrashLoop {
    /** Enough for thousands of exits; a longer file is read from its end. */
    static final int MAX_BYTES = 64 * 1024;
    private static final Pattern MILLIS = Pattern.compile("[0-9]{1,18}");
    private static final System.Logger LOG = System.getLogger(CrashLoop.class.getName());
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
        // After a damaged last line, start a new one: this exit must not be glued to the garbage.
        String sep = Files.exists(file) && Files.size(file) > 0 && !endsWithNewline() ? "\n" : "";
        Files.writeString(file, sep + nowMillis + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.SYNC);
    }

    /** Exits within the window before {@code nowMillis}. */
    public int recentExits(long nowMillis) throws IOException {
        long horizon = nowMillis - window.toMillis();
        return (int) exits().stream().filter(t -> t >= horizon).count();
    }

    /**
     * The recorded exits. Only the last {@link #MAX_BYTES} are read (older ones are outside any window that
     * matters); a line that is not a time in milliseconds is not ours, so it is dropped with a warning and
     * the file rewritten with the good lines: a damaged file must never keep the agent from starting.
     */
    private List<Long> exits() throws IOException {
        if (!Files.exists(file)) return List.of();
        byte[] tail;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long from = Math.max(0, ch.size() - MAX_BYTES);
            ByteBuffer buf = ByteBuffer.allocate((int) (ch.size() - from));
            while (buf.hasRemaining()) if (ch.read(buf, from + buf.position()) < 0) break;
            tail = Arrays.copyOf(buf.array(), buf.position());
            if (from > 0) tail = Arrays.copyOfRange(tail, indexAfterNewline(tail), tail.length); // a partial first line
        }
        List<Long> exits = new ArrayList<>();
        int garbage = 0;
        // ISO-8859-1 decodes any byte, so garbage cannot make reading fail; the pattern decides what counts.
        for (String line : new String(tail, StandardCharsets.ISO_8859_1).split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) continue;
            if (MILLIS.matcher(l).matches()) exits.add(Long.parseLong(l));
            else garbage++;
        }
        if (garbage > 0) {
            LOG.log(System.Logger.Level.WARNING, file + ": " + garbage + " line(s) that are not exit times discarded");
            rewrite(exits);
        }
        return exits;
    }

    private boolean endsWithNewline() throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            return ch.read(last, ch.size() - 1) == 1 && last.get(0) == '\n';
        }
    }

    private static int indexAfterNewline(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) if (bytes[i] == '\n') return i + 1;
        return bytes.length;
    }

    private void rewrite(List<Long> exits) throws IOException {
        StringBuilder b = new StringBuilder();
        for (long t : exits) b.append(t).append('\n');
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, b, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
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
