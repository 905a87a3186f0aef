package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the bootloader backends share: two partitions (block devices, or plain files in tests) that hold the
 * images, a metadata folder per bank in the data dir, and running the bootloader's environment tools.
 * The bootloader decides what boots; the subclasses say how to talk to it.
 */
abstract sealed class PartitionBanks implements BankBackend permits UBootBanks, GrubBanks, CommandBanks {
    private final Path dataDir;
    private final Path a;
    private final Path b;

    PartitionBanks(Path dataDir, Path a, Path b) throws IOException {
        this.dataDir = dataDir;
        this.a = a;
        this.b = b;
        for (Bank bank : Bank.values()) {
            if (!Files.exists(imagePath(bank))) throw new IOException("partition " + imagePath(bank) + " of bank " + bank.wire() + " does not exist");
            Files.createDirectories(bankDir(bank));
        }
    }

    @Override
    public final Path bankDir(Bank bank) {
        return dataDir.resolve("banks").resolve(bank.wire());
    }

    @Override
    public final Path imagePath(Bank bank) {
        return bank == Bank.A ? a : b;
    }

    /** A partition's size: a block device's from sysfs, a plain file's own. */
    @Override
    public final long capacity(Bank bank) throws IOException {
        Path p = imagePath(bank).toRealPath();
        if (Files.isRegularFile(p)) return Files.size(p);
        Path sectors = Path.of("/sys/class/block", p.getFileName().toString(), "size");
        return Long.parseLong(Files.readString(sectors).strip()) * 512;
    }

    @Override
    public final boolean bootloaderDecides() {
        return true;
    }

    /**
     * The slot that booted: the kernel command line says it when the boot script passes {@code rauc.slot=}
     * or {@code reizi.slot=} (the reliable way); otherwise the bootloader environment is read.
     */
    @Override
    public final Bank pointedAt() throws IOException {
        Path cmdline = Path.of("/proc/cmdline");
        if (Files.isReadable(cmdline)) {
            for (String arg : Files.readString(cmdline).trim().split("\\s+")) {
                if (arg.startsWith("rauc.slot=") || arg.startsWith("reizi.slot=")) {
                    return bank(arg.substring(arg.indexOf('=') + 1));
                }
            }
        }
        return slotFromEnvironment();
    }

    /** The slot the bootloader's environment says it boots. */
    abstract Bank slotFromEnvironment() throws IOException;

    /** Runs a tool; its stdout, or an IOException with what it said on failure. */
    static String run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        try {
            String out = new String(p.getInputStream().readAllBytes());
            String err = new String(p.getErrorStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in 30 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + err.strip());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + command.getFirst(), e);
        }
    }

    static List<String> cmd(String... parts) {
        return new ArrayList<>(List.of(parts));
    }

    /** Bank letters as bootloaders spell them. */
    static String slot(Bank bank) {
        return bank.name();
    }

    static Bank bank(String slot) throws IOException {
        return switch (slot.strip().toUpperCase(java.util.Locale.ROOT)) {
            case "A" -> Bank.A;
            case "B" -> Bank.B;
            default -> throw new IOException("slot '" + slot + "' is neither A nor B");
        };
    }
}
