package io.reizi.ota.wire;

import java.util.Locale;
import java.util.Optional;

/** What a release is: a jar for the runtime, an executable (bundle), or an opaque image. */
public enum Kind {
    JAR, EXEC, IMAGE;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Kind> parse(String s) {
        for (Kind k : values()) if (k.wire().equals(s)) return Optional.of(k);
        return Optional.empty();
    }
}
