package io.reizi.ota.bank;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Optional;

/**
 * A test hook on the persisted steps of {@link Durable}: inert unless the environment variable
 * {@value #POINT_ENV} (or the system property {@value #POINT_PROPERTY}) names a point. At that point the
 * process stops dead ({@code Runtime.halt}, exit {@value #HALT_EXIT}: no shutdown hook, no further write),
 * so a power-cut harness can cut the disk exactly there. {@value #TRACE_ENV} names a file (off the disk
 * under test) to which every point reached is appended, one per line, so a harness can list them all.
 *
 * <p>A point is {@code STEP:PATH[#N]}: a {@link Step} in its wire form, the tail of the file or directory
 * acted on (matched element by element against the end of the real path, e.g. {@code state.json} or
 * {@code banks/b}), and which occurrence fires (default 1). Naming points by file means every persisted step
 * of any phase is a point, whoever writes it.
 */
public final class FaultPoint {
    public static final String POINT_ENV = "REIZI_FAULT_POINT";
    public static final String POINT_PROPERTY = "reizi.fault.point";
    public static final String TRACE_ENV = "REIZI_FAULT_TRACE";
    public static final int HALT_EXIT = 86;

    /** The persisted steps, before and after each one. */
    public enum Step {
        BEFORE_FSYNC, AFTER_FSYNC, BEFORE_RENAME, AFTER_RENAME, BEFORE_DIRSYNC, AFTER_DIRSYNC;

        public String wire() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static Step parse(String wire) {
            for (Step s : values()) if (s.wire().equals(wire)) return s;
            throw new IllegalArgumentException("fault point step '" + wire + "' is none of before-fsync, after-fsync,"
                    + " before-rename, after-rename, before-dirsync, after-dirsync");
        }
    }

    /** A parsed point: fires at the {@code occurrence}-th time {@code step} acts on a path ending in {@code tail}. */
    record Spec(Step step, Path tail, int occurrence) {
        static Spec parse(String text) {
            int colon = text.indexOf(':');
            if (colon < 0) throw new IllegalArgumentException("fault point must be STEP:PATH[#N], got '" + text + "'");
            String rest = text.substring(colon + 1);
            int hash = rest.lastIndexOf('#');
            int occurrence = hash < 0 ? 1 : Integer.parseInt(rest.substring(hash + 1));
            if (occurrence < 1) throw new IllegalArgumentException("fault point occurrence must be at least 1");
            String tail = hash < 0 ? rest : rest.substring(0, hash);
            if (tail.isEmpty()) throw new IllegalArgumentException("fault point needs a path: '" + text + "'");
            return new Spec(Step.parse(text.substring(0, colon)), Path.of(tail), occurrence);
        }

        boolean matches(Step reached, Path path) {
            return step == reached && path.toAbsolutePath().normalize().endsWith(tail);
        }
    }

    private static final Optional<Spec> ARMED = configured(POINT_PROPERTY, POINT_ENV).map(Spec::parse);
    private static final Optional<Path> TRACE = configured(TRACE_ENV, TRACE_ENV).map(Path::of);
    private static int seen;

    private FaultPoint() {}

    private static Optional<String> configured(String property, String env) {
        String value = System.getProperty(property, System.getenv(env));
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    /** Called by {@link Durable} around each persisted step; does nothing unless armed or tracing. */
    static void reach(Step step, Path path) {
        if (TRACE.isEmpty() && ARMED.isEmpty()) return;
        Path absolute = path.toAbsolutePath().normalize();
        TRACE.ifPresent(trace -> trace(trace, step.wire() + "\t" + absolute));
        if (ARMED.isPresent() && ARMED.get().matches(step, absolute) && fires()) {
            System.err.println("fault point " + step.wire() + ":" + absolute + " reached: halting");
            System.err.flush();
            Runtime.getRuntime().halt(HALT_EXIT);
        }
    }

    private static synchronized boolean fires() {
        return ++seen == ARMED.orElseThrow().occurrence();
    }

    private static synchronized void trace(Path trace, String line) {
        try {
            Files.writeString(trace, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write the fault point trace " + trace, e);
        }
    }
}
