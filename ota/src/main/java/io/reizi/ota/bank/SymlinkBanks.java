package io.reizi.ota.bank;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * The default backend: {@code DIR/banks/a}, {@code DIR/banks/b} and {@code DIR/current}, a symlink to the
 * active bank that is switched by renaming a new symlink over it, then syncing the directory.
 */
public final class SymlinkBanks implements BankBackend {
    private final Path dataDir;
    private final Path current;

    public SymlinkBanks(Path dataDir) throws IOException {
        this.dataDir = dataDir;
        this.current = dataDir.resolve("current");
        for (Bank b : Bank.values()) Files.createDirectories(bankDir(b));
        if (!Files.isSymbolicLink(current)) activate(Bank.A);
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
        return Bank.parse(Files.readSymbolicLink(current).getFileName().toString());
    }

    @Override
    public void activate(Bank bank) throws IOException {
        Path tmp = dataDir.resolve("current.tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of("banks", bank.wire()));
        Files.move(tmp, current, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Durable.syncDir(dataDir);
    }

    @Override
    public long capacity(Bank bank) throws IOException {
        Path dir = bankDir(bank);
        FileStore store = Files.getFileStore(dir);
        long held = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) if (Files.isRegularFile(f)) held += Files.size(f);
        }
        return store.getUsableSpace() + held;
    }
}
