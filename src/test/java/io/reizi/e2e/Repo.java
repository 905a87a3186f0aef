package io.reizi.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository is (Surefire passes it; running from the root works too). */
final class Repo {
    private Repo() {}

    static Path root() {
        String p = System.getProperty("reizi.repo");
        Path root = p != null ? Path.of(p) : Path.of("").toAbsolutePath();
        if (!Files.exists(root.resolve("broker-config"))) root = root.getParent();
        return root.toAbsolutePath().normalize();
    }
}
