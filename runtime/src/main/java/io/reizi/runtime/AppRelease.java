package io.reizi.runtime;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** A release the runtime can host: a jar with an entry class, or an executable (or zip bundle and entry). */
public record AppRelease(AppKind kind, long ver, Optional<String> entry, Path image, Path bankDir) {
    public enum AppKind {
        JAR, EXEC;

        /** The kind a manifest names ({@code jar}, {@code exec}); empty for one the runtime does not host. */
        public static Optional<AppKind> ofWire(String wire) {
            return Arrays.stream(values()).filter(k -> k.wire().equals(wire)).findFirst();
        }

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public String name() {
        return kind.wire() + " v" + ver;
    }
}
