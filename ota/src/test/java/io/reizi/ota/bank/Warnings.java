package io.reizi.ota.bank;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects the warnings the data-dir classes log through System.Logger (backed by java.util.logging here). */
final class Warnings implements AutoCloseable {
    private final Logger root = Logger.getLogger("io.reizi"); // held: JUL keeps loggers only weakly
    private final List<String> messages = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                synchronized (messages) {
                    messages.add(r.getMessage());
                }
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    Warnings() {
        root.addHandler(handler);
    }

    List<String> messages() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    /** True when one warning mentions every fragment. */
    boolean any(String... fragments) {
        return messages().stream().anyMatch(m -> List.of(fragments).stream().allMatch(m::contains));
    }

    @Override
    public void close() {
        root.removeHandler(handler);
    }
}
