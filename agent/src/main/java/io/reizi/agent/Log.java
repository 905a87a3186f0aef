package io.reizi.agent;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * One line per event on stdout. Under systemd (JOURNAL_STREAM set) each line starts with the
 * sd-daemon priority prefix and no timestamp, since journald adds its own; no colour codes anywhere.
 */
public final class Log {
    private static final boolean JOURNAL = System.getenv("JOURNAL_STREAM") != null;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static volatile String prefix = "";
    private static final PrintStream OUT = System.out;

    private Log() {}

    /** Tags every line of this process (several agents may share a terminal in the demo and tests). */
    public static void prefix(String p) {
        prefix = p == null || p.isEmpty() ? "" : p + " ";
    }

    public static void info(String msg) {
        line(6, "INFO ", msg);
    }

    public static void warn(String msg) {
        line(4, "WARN ", msg);
    }

    public static void error(String msg) {
        line(3, "ERROR", msg);
    }

    public static void error(String msg, Throwable t) {
        line(3, "ERROR", msg + ": " + t);
    }

    private static void line(int priority, String level, String msg) {
        String text = JOURNAL
                ? "<" + priority + ">" + prefix + msg
                : LocalTime.now().format(TIME) + " " + level + " " + prefix + msg;
        synchronized (OUT) {
            OUT.println(text);
        }
    }
}
