package io.reizi.agent;

import io.reizi.ota.bank.BankBackend;
import io.reizi.ota.bank.CommandBanks;
import io.reizi.ota.bank.GrubBanks;
import io.reizi.ota.bank.SymlinkBanks;
import io.reizi.ota.bank.UBootBanks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** Which bank backend the device uses, and what it needs (see README "Bank backends"). */
public record BankSettings(Backend backend, Optional<Path> bankA, Optional<Path> bankB, Optional<Path> fwEnvConfig,
        Optional<Path> grubEnv, Optional<String> command, int bootAttempts) {

    public enum Backend { SYMLINK, UBOOT, GRUB, COMMAND }

    public static BankSettings symlink() {
        return new BankSettings(Backend.SYMLINK, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), 3);
    }

    public static Backend parse(String name) {
        try {
            return Backend.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bank-backend '" + name + "' is not symlink, uboot, grub or command");
        }
    }

    public BankSettings {
        if (backend != Backend.SYMLINK && (bankA.isEmpty() || bankB.isEmpty())) {
            throw new IllegalArgumentException("bank-backend " + backend.name().toLowerCase(Locale.ROOT)
                    + " needs bank-a and bank-b (the two partitions)");
        }
        if (backend == Backend.GRUB && grubEnv.isEmpty()) throw new IllegalArgumentException("bank-backend grub needs grub-env");
        if (backend == Backend.COMMAND && command.isEmpty()) {
            throw new IllegalArgumentException("bank-backend command needs bank-command");
        }
        if (bootAttempts < 1) throw new IllegalArgumentException("boot-attempts must be at least 1");
    }

    public BankBackend open(Path dataDir) throws IOException {
        return switch (backend) {
            case SYMLINK -> new SymlinkBanks(dataDir);
            case UBOOT -> new UBootBanks(dataDir, bankA.orElseThrow(), bankB.orElseThrow(), fwEnvConfig, bootAttempts);
            case GRUB -> new GrubBanks(dataDir, bankA.orElseThrow(), bankB.orElseThrow(), grubEnv.orElseThrow());
            case COMMAND -> new CommandBanks(dataDir, bankA.orElseThrow(), bankB.orElseThrow(), command.orElseThrow());
        };
    }
}
