package io.reizi.ota.wire;

import java.util.Locale;

/** One of the two banks. The status and the data dir spell them `a` and `b`. */
public enum Bank {
    A, B;

    public Bank other() {
        return this == A ? B : A;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Bank parse(String s) {
        return switch (s) {
            case "a" -> A;
            case "b" -> B;
            default -> throw new IllegalArgumentException("bank must be a or b, not '" + s + "'");
        };
    }
}
