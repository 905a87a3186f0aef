package io.reizi.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Lays an `exec` release out in {@code <bank>/app}: a zip bundle is unpacked with its Unix permissions
 * (the JDK's zip file system reads them), a single executable is copied and made executable.
 * An optional {@code reizi.properties} in the bundle declares how the release proves it is healthy.
 */
final class Bundle {
    /** How an exec release is judged during its trial. */
    sealed interface Health {
        /** The process stays up, without a crash, for the whole trial window (the default). */
        record Alive() implements Health {}

        /** The process prints a line {@code READY} on stdout. */
        record ReadyLine() implements Health {}

        /** A command (run in the app folder) exits 0. */
        record Command(String command) implements Health {}
    }

    record Layout(Path program, Path dir, Health health) {}

    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    private Bundle() {}

    static Layout unpack(AppRelease release) throws AppFailure {
        Path dir = release.bankDir().resolve("app");
        try {
            deleteTree(dir);
            Files.createDirectories(dir);
            if (isZip(release.image())) {
                String entry = release.entry().orElseThrow(
                        () -> new AppFailure("a zip bundle needs an entry naming the program inside it"));
                extract(release.image(), dir);
                Path program = dir.resolve(entry).normalize();
                if (!program.startsWith(dir) || !Files.isRegularFile(program)) {
                    throw new AppFailure("entry " + entry + " is not a file in the bundle");
                }
                if (!Files.isExecutable(program)) throw new AppFailure("entry " + entry + " is not executable");
                return new Layout(program, dir, health(dir));
            }
            Path program = dir.resolve(release.entry().orElse("app"));
            Files.copy(release.image(), program, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
            return new Layout(program, dir, new Health.Alive());
        } catch (IOException e) {
            throw new AppFailure("cannot lay out " + release.name() + " in " + dir, e);
        }
    }

    private static boolean isZip(Path image) throws IOException {
        try (InputStream in = Files.newInputStream(image)) {
            return java.util.Arrays.equals(in.readNBytes(4), ZIP_MAGIC);
        }
    }

    private static void extract(Path zip, Path dir) throws IOException, AppFailure {
        try (FileSystem fs = FileSystems.newFileSystem(zip, Map.of("enablePosixFileAttributes", "true"));
                Stream<Path> all = Files.walk(fs.getPath("/"))) {
            for (Path source : all.toList()) {
                Path target = dir.resolve(fs.getPath("/").relativize(source).toString()).normalize();
                if (!target.startsWith(dir)) throw new AppFailure("bundle entry " + source + " points outside its folder");
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(source);
                if (!perms.isEmpty()) Files.setPosixFilePermissions(target, perms);
            }
        }
    }

    private static Health health(Path dir) throws IOException, AppFailure {
        Path file = dir.resolve("reizi.properties");
        if (!Files.exists(file)) return new Health.Alive();
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        String kind = p.getProperty("health", "alive").trim();
        return switch (kind) {
            case "alive" -> new Health.Alive();
            case "ready" -> new Health.ReadyLine();
            case "command" -> new Health.Command(p.getProperty("health.command", "").trim());
            default -> throw new AppFailure("reizi.properties: health must be alive, ready or command, not '" + kind + "'");
        };
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        deleteTree(to);
        if (!Files.exists(from)) return;
        try (Stream<Path> all = Files.walk(from)) {
            for (Path source : all.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) Files.createDirectories(target);
                else Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
