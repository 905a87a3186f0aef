package io.reizi.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Optional;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Lays an `exec` release out in {@code <bank>/app}: a zip bundle is unpacked with its Unix permissions
 * (the JDK's zip file system reads them), a single executable is copied and made executable.
 * An optional {@code reizi.properties} in the bundle declares how the release proves it is healthy.
 *
 * <p>Nothing of a bundle lands outside the app folder: entry names are resolved and checked one by one, links are
 * never created (the JDK's zip reader does not tell a link entry from a file, so a link entry becomes a plain file
 * holding its target's name), set-id bits are dropped, and the bytes written are counted against {@link UnpackLimits}.
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
    private static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("rwxr-xr-x");

    private Bundle() {}

    /** Any failure, I/O or a hostile bundle, is an {@link AppFailure}; nothing unchecked escapes. */
    static Layout unpack(AppRelease release, UnpackLimits limits) throws AppFailure {
        Path dir = release.bankDir().resolve("app").toAbsolutePath().normalize();
        Optional<String> badEntry = release.entry().flatMap(e -> AppEntry.problem(AppRelease.AppKind.EXEC, e));
        if (badEntry.isPresent()) throw AppFailure.malformed(badEntry.get());
        try {
            deleteTree(dir);
            Files.createDirectories(dir);
            if (isZip(release.image())) {
                String entry = release.entry().orElseThrow(
                        () -> AppFailure.malformed("a zip bundle needs an entry naming the program inside it"));
                checkNames(release.image(), limits);
                extract(release.image(), dir, limits);
                Path program = inside(dir, entry);
                if (!Files.isRegularFile(program, LinkOption.NOFOLLOW_LINKS)) {
                    throw AppFailure.malformed("entry " + entry + " is not a file in the bundle");
                }
                if (!Files.isExecutable(program)) throw AppFailure.malformed("entry " + entry + " is not executable");
                return new Layout(program, dir, health(dir));
            }
            Path program = inside(dir, release.entry().orElse("app"));
            Files.createDirectories(program.getParent());
            Files.copy(release.image(), program, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
            Files.setPosixFilePermissions(program, EXECUTABLE);
            return new Layout(program, dir, new Health.Alive());
        } catch (java.util.zip.ZipException | java.util.zip.ZipError | java.nio.file.ProviderNotFoundException
                | UnsupportedOperationException e) {
            // The JDK's zip readers report a broken or unsafe archive so (the provider: entry names with "..").
            throw AppFailure.malformed("the bundle of " + release.name() + " is not a well-formed zip", e);
        } catch (IOException | RuntimeException e) {
            throw new AppFailure("cannot lay out " + release.name() + " in " + dir, e);
        }
    }

    /** {@code name} resolved against {@code dir}, refused unless it stays strictly inside. */
    private static Path inside(Path dir, String name) throws AppFailure {
        Path target = dir.resolve(name).normalize();
        if (!target.startsWith(dir) || target.equals(dir)) {
            throw AppFailure.malformed("bundle path '" + name + "' points outside the app folder");
        }
        return target;
    }

    /**
     * The raw entry names, before anything is written: an absolute name or a {@code ..} element is refused (the zip
     * provider would silently re-root an absolute name inside the folder, hiding what the author meant), and the
     * entry count is bounded before the archive is walked.
     */
    private static void checkNames(Path zip, UnpackLimits limits) throws IOException, AppFailure {
        try (java.util.zip.ZipFile archive = new java.util.zip.ZipFile(zip.toFile())) {
            if (archive.size() > limits.maxEntries()) {
                throw AppFailure.malformed("bundle has more than " + limits.maxEntries() + " entries");
            }
            for (var e = archive.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                boolean escapes = name.startsWith("/") || name.contains("\\")
                        || java.util.Arrays.asList(name.split("/")).contains("..");
                if (escapes) throw AppFailure.malformed("bundle path '" + name + "' points outside the app folder");
            }
        }
    }

    private static boolean isZip(Path image) throws IOException {
        try (InputStream in = Files.newInputStream(image)) {
            return java.util.Arrays.equals(in.readNBytes(4), ZIP_MAGIC);
        }
    }

    private static void extract(Path zip, Path dir, UnpackLimits limits) throws IOException, AppFailure {
        long budget = limits.budgetFor(Files.size(zip));
        long written = 0;
        int entries = 0;
        try (FileSystem fs = FileSystems.newFileSystem(zip, Map.of("enablePosixFileAttributes", "true"));
                Stream<Path> all = Files.walk(fs.getPath("/"))) {
            Path root = fs.getPath("/");
            for (Path source : (Iterable<Path>) all::iterator) {
                if (source.equals(root)) continue;
                if (++entries > limits.maxEntries()) {
                    throw AppFailure.malformed("bundle has more than " + limits.maxEntries() + " entries");
                }
                Path target = inside(dir, root.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                written += copyAtMost(source, target, budget - written, budget, limits);
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(source);
                if (!perms.isEmpty()) Files.setPosixFilePermissions(target, perms); // set-id bits are not in the set
            }
        }
    }

    /** Copies one file, refusing the bundle as soon as the total would pass the budget. */
    private static long copyAtMost(Path source, Path target, long left, long budget, UnpackLimits limits)
            throws IOException, AppFailure {
        byte[] buffer = new byte[64 * 1024];
        long n = 0;
        try (InputStream in = Files.newInputStream(source);
                OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS)) {
            for (int r; (r = in.read(buffer)) > 0; ) {
                n += r;
                if (n > left) {
                    throw AppFailure.malformed("bundle unpacks to more than " + budget + " bytes (limits: "
                            + limits.maxRatio() + "x its size past " + limits.ratioFreeBytes() + " bytes, at most "
                            + limits.maxTotalBytes() + " bytes)");
                }
                out.write(buffer, 0, r);
            }
        }
        return n;
    }

    private static Health health(Path dir) throws IOException, AppFailure {
        Path file = dir.resolve("reizi.properties");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return new Health.Alive();
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
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
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
                if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) Files.createDirectories(target);
                else Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            }
        }
    }
}
