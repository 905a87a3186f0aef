package io.reizi.ota.bank;

import io.reizi.ota.bank.FaultPoint.Step;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * fsync helpers: the only way a rename or a new file survives a power cut is to sync the directory too.
 * Each step is a {@link FaultPoint} (before and after), so power-cut tests can stop the process at any of them,
 * and a {@link DiskActivity}, so that a slow disk is not taken for a stuck agent.
 */
public final class Durable {
    private static final int WRITE_SLICE = 64 << 10;

    private Durable() {}

    public static void writeAtomically(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            // In slices: NIO copies a heap buffer through a direct one of its size, which it then keeps for the
            // thread (a 1.6 MB chunk index written whole stayed 1.6 MB of native memory on the MQTT thread).
            DiskActivity.during(() -> {
                for (int off = 0; off < content.length; ) {
                    ByteBuffer buf = ByteBuffer.wrap(content, off, Math.min(WRITE_SLICE, content.length - off));
                    while (buf.hasRemaining()) off += ch.write(buf);
                }
            });
            force(ch, file);
        }
        move(tmp, file);
        syncDir(file.toAbsolutePath().getParent());
    }

    /** {@code fsync} of an open file: its data and metadata; the fault points are named by {@code file}. */
    public static void force(FileChannel channel, Path file) throws IOException {
        sync(channel, file, true);
    }

    /**
     * {@code fdatasync} of an open file: its data and what reading it back needs (its size), not its times; the
     * fault points are named by {@code file}.
     */
    public static void forceData(FileChannel channel, Path file) throws IOException {
        sync(channel, file, false);
    }

    private static void sync(FileChannel channel, Path file, boolean metadata) throws IOException {
        FaultPoint.reach(Step.BEFORE_FSYNC, file);
        DiskActivity.during(() -> channel.force(metadata));
        FaultPoint.reach(Step.AFTER_FSYNC, file);
    }

    /**
     * An atomic rename, replacing {@code to}; the fault points are named by {@code to}. Not durable until the
     * directory is synced ({@link #syncDir}).
     */
    public static void move(Path from, Path to) throws IOException {
        FaultPoint.reach(Step.BEFORE_RENAME, to);
        DiskActivity.during(() -> Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING));
        FaultPoint.reach(Step.AFTER_RENAME, to);
    }

    public static void syncDir(Path dir) throws IOException {
        FaultPoint.reach(Step.BEFORE_DIRSYNC, dir);
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            DiskActivity.during(() -> ch.force(true));
        }
        FaultPoint.reach(Step.AFTER_DIRSYNC, dir);
    }
}
