package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The default backend: {@code DIR/banks/a}, {@code DIR/banks/b} and {@code DIR/current}, a symlink to the
 * active bank that is switched by renaming a new symlink over it, then syncing the directory.
 */
public final class SymlinkBanks implements BankBackend {
    private static final System.Logger LOG = System.getLogger(SymlinkBanks.class.getName());
    private final Path dataDir;
    private final Path current;

    /**
     * Opens the data dir. A missing {@code current}, or one that is not a link to one of the two banks (a
     * file, a link to {@code /etc}, to {@code banks/../..}, dangling), is pointed at bank a with a warning;
     * the agent then points it at the bank its state names. A directory there is refused: it is not ours
     * to delete.
     */
    public SymlinkBanks(Path dataDir) throws IOException {
        this.dataDir = dataDir;
        this.current = dataDir.resolve("current");
        for (Bank b : Bank.values()) Files.createDirectories(bankDir(b));
        if (Files.isSymbolicLink(current) && bankOf(Files.readSymbolicLink(current)).isPresent()) return;
        if (Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(current + " is a directory, not the link to the active bank: move it away");
        }
        if (Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
            LOG.log(System.Logger.Level.WARNING, current + " is not a link to banks/a or banks/b ("
                    + describe(current) + "): repairing it");
        }
        activate(Bank.A);
    }

    private static String describe(Path link) {
        try {
            return Files.isSymbolicLink(link) ? "it points at " + Files.readSymbolicLink(link) : "it is a file";
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** The bank a link target names: {@code banks/a} or {@code banks/b} of this data dir, however spelt. */
    private Optional<Bank> bankOf(Path target) {
        Path resolved = dataDir.toAbsolutePath().normalize().resolve(target).normalize();
        for (Bank b : Bank.values()) {
            if (resolved.equals(bankDir(b).toAbsolutePath().normalize())) return Optional.of(b);
        }
        return Optional.empty();
    }

    @Override
    public Path bankDir(Bank bank) {
        return dataDir.resolve("banks").resolve(bank.wire());
    }

    @Override
    public Path imagePath(Bank bank) {
        return bankDir(bank).resolve(Staging.IMAGE);
    }

    /** Downloads go beside the image and are renamed over it once verified. */
    @Override
    public Path stagingPath(Bank bank) {
        return bankDir(bank).resolve(Staging.PART);
    }

    @Override
    public Bank pointedAt() throws IOException {
        Path target = Files.readSymbolicLink(current);
        return bankOf(target).orElseThrow(() -> new IOException(current + " points at " + target + ", not at a bank"));
    }

    @Override
    public void activate(Bank bank) throws IOException {
        Path tmp = dataDir.resolve("current.tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of("banks", bank.wire()));
        Files.move(tmp, current, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Durable.syncDir(dataDir);
    }

    /**
     * Free space (statvfs through {@link File#getUsableSpace}) plus what the bank holds now. Not
     * {@code Files.getFileStore}: it looks the mount up in /proc/mounts, which systemd's ProcSubset=pid hides.
     */
    @Override
    public long capacity(Bank bank) throws IOException {
        Path dir = bankDir(bank);
        if (!Files.isDirectory(dir)) throw new IOException("bank folder " + dir + " is missing");
        long held = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) if (Files.isRegularFile(f)) held += Files.size(f);
        }
        return dir.toFile().getUsableSpace() + held;
    }
}
