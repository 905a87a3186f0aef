package io.reizi.agent.cli;

import io.reizi.agent.Publisher;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.io.PrintStream;
import java.util.Locale;

/** Shows device statuses as a bar on a terminal, or as plain lines (at most one a second) otherwise. */
final class ProgressView implements Publisher.Progress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean terminal;
    private String lastState = "";
    private long lastLineAt;

    ProgressView(PrintStream out) {
        this.out = out;
        this.terminal = System.console() != null && System.console().isTerminal();
    }

    @Override
    public synchronized void update(Status s) {
        boolean changed = !(s.id() + s.state()).equals(lastState);
        lastState = s.id() + s.state();
        String line = describe(s);
        if (terminal) {
            out.print("\r\033[K" + line);
            if (changed && !s.is(OtaState.DOWNLOADING)) out.println();
            out.flush();
        } else if (changed || System.currentTimeMillis() - lastLineAt >= 1000) {
            out.println(line);
            lastLineAt = System.currentTimeMillis();
        }
    }

    static String describe(Status s) {
        StringBuilder b = new StringBuilder(s.id()).append(" ver ").append(s.ver()).append(' ');
        if (s.is(OtaState.DOWNLOADING) && s.count() != null) {
            double p = s.progress() == null ? 0 : s.progress();
            int filled = (int) Math.round(p * WIDTH);
            b.append('[').append("#".repeat(filled)).append(" ".repeat(WIDTH - filled)).append("] ")
                    .append(String.format(Locale.ROOT, "%3.0f%% %d/%d chunks", p * 100, s.received(), s.count()));
            if (s.rateBps() != null && s.rateBps() > 0) {
                b.append(String.format(Locale.ROOT, " %.1f MB/s", s.rateBps() / 1e6));
            }
        } else {
            b.append(s.state().wire());
            if (s.error() != null) b.append(": ").append(s.error().wire());
            if (s.detail() != null) b.append(" (").append(s.detail()).append(')');
        }
        return b.toString();
    }
}
