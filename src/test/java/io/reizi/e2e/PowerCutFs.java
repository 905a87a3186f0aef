package io.reizi.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The project's power-cut file system ({@code test-tools/powercut-fs}): a FUSE layer whose {@code cut} leaves
 * on the backing folder exactly what a disk would hold after a power cut (unsynced data gone; with
 * {@code --lose-metadata}, also name changes whose directory was not fsync'd). Needs root, /dev/fuse and
 * Debian's python3-fusepy.
 */
final class PowerCutFs {
    /** What survives a cut: in the default mode every name change, in the strict one only synced ones. */
    enum Mode {
        DEFAULT, LOSE_METADATA;

        List<String> flags() {
            return this == LOSE_METADATA ? List.of("--lose-metadata") : List.of();
        }
    }

    private PowerCutFs() {}

    static Path tool() {
        return Repo.root().resolve("test-tools/powercut-fs/powercut-fs");
    }

    /** Why the harness cannot run here, or empty when it can. */
    static Optional<String> unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) return Optional.of("power-cut tests need root (FUSE mounts)");
        if (!Files.exists(Path.of("/dev/fuse"))) return Optional.of("power-cut tests need /dev/fuse");
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import fusepy").redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Optional.of("power-cut tests need Debian's python3-fusepy (apt-get install python3-fusepy)");
            }
        } catch (IOException | InterruptedException e) {
            return Optional.of("power-cut tests need /usr/bin/python3: " + e.getMessage());
        }
        return Optional.empty();
    }

    static void mount(Path backing, Path mountPoint, Mode mode) throws Exception {
        mount(backing, mountPoint, mode, 0);
    }

    /** With every fsync (of a file or a directory) first waiting {@code fsyncDelayMs}, as on a slow SD card. */
    static void mount(Path backing, Path mountPoint, Mode mode, int fsyncDelayMs) throws Exception {
        List<String> args = new ArrayList<>(List.of("mount", backing.toString(), mountPoint.toString()));
        args.addAll(mode.flags());
        if (fsyncDelayMs > 0) args.addAll(List.of("--fsync-delay", Integer.toString(fsyncDelayMs)));
        run(args);
    }

    /** The power cut: what was not durable is gone from the backing folder, and the mount is detached. */
    static void cut(Path mountPoint) throws Exception {
        run(List.of("cut", mountPoint.toString()));
    }

    /** A clean unmount: everything becomes durable. */
    static void umount(Path mountPoint) throws Exception {
        run(List.of("umount", mountPoint.toString()));
    }

    /** Cleans up after a failed test: cut if still mounted; never throws. */
    static void release(Path mountPoint) {
        try {
            if (Files.exists(mountPoint.resolveSibling("." + mountPoint.getFileName() + ".powercut"))) cut(mountPoint);
        } catch (Exception e) {
            System.err.println("powercut-fs cleanup of " + mountPoint + ": " + e.getMessage());
        }
    }

    private static void run(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", tool().toString()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("powercut-fs " + args + " hung");
        }
        if (p.exitValue() != 0) throw new IllegalStateException("powercut-fs " + args + " failed:\n" + out);
    }
}
