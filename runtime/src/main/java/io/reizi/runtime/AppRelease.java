package io.reizi.runtime;

import java.nio.file.Path;
import java.util.Optional;

/** A release the runtime can host: a jar with an entry class, or an executable (or zip bundle and entry). */
public record AppRelease(AppKind kind, long ver, Optional<String> entry, Path image, Path bankDir) {
    public enum AppKind { JAR, EXEC }

    public String name() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " v" + ver;
    }
}
