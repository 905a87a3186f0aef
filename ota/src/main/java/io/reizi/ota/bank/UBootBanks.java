package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Two partitions chosen by U-Boot, through the real {@code fw_setenv}/{@code fw_printenv} and RAUC's
 * variables: {@code BOOT_ORDER} ("A B"), {@code BOOT_A_LEFT} and {@code BOOT_B_LEFT} (boots left before the
 * boot script skips a slot). fw_setenv writes one variable per call, so every change is ordered to leave a
 * bootable environment after each step.
 */
public final class UBootBanks extends PartitionBanks {
    private final Optional<Path> fwEnvConfig;
    private final int attempts;

    public UBootBanks(Path dataDir, Path a, Path b, Optional<Path> fwEnvConfig, int attempts) throws IOException {
        super(dataDir, a, b);
        this.fwEnvConfig = fwEnvConfig;
        this.attempts = attempts;
        if (get("BOOT_ORDER").isEmpty()) {
            set("BOOT_A_LEFT", Integer.toString(attempts));
            set("BOOT_B_LEFT", Integer.toString(attempts));
            set("BOOT_ORDER", "A B");
        }
    }

    /** The slot U-Boot boots: the first in BOOT_ORDER with boots left. */
    @Override
    Bank slotFromEnvironment() throws IOException {
        List<String> order = List.of(get("BOOT_ORDER").orElse("A B").trim().split("\\s+"));
        for (String slot : order) {
            if (Integer.parseInt(get("BOOT_" + slot + "_LEFT").orElse("0")) > 0) return PartitionBanks.bank(slot);
        }
        return PartitionBanks.bank(order.getFirst());
    }

    @Override
    public void activate(Bank bank) throws IOException {
        set("BOOT_" + PartitionBanks.slot(bank) + "_LEFT", Integer.toString(attempts)); // bootable before it is first
        set("BOOT_ORDER", PartitionBanks.slot(bank) + " " + PartitionBanks.slot(bank.other()));
    }

    @Override
    public void markGood(Bank bank) throws IOException {
        set("BOOT_" + PartitionBanks.slot(bank) + "_LEFT", Integer.toString(attempts));
    }

    @Override
    public void markBad(Bank bank) throws IOException {
        set("BOOT_" + PartitionBanks.slot(bank) + "_LEFT", "0"); // skipped from now on, whatever the order
        set("BOOT_ORDER", PartitionBanks.slot(bank.other()) + " " + PartitionBanks.slot(bank));
    }

    private Optional<String> get(String name) throws IOException {
        List<String> cmd = PartitionBanks.cmd("fw_printenv");
        fwEnvConfig.ifPresent(c -> cmd.addAll(List.of("-c", c.toString())));
        cmd.addAll(List.of("-n", name));
        try {
            String v = PartitionBanks.run(cmd).strip();
            return v.isEmpty() ? Optional.empty() : Optional.of(v);
        } catch (IOException e) {
            if (e.getMessage().contains("not defined")) return Optional.empty();
            throw e;
        }
    }

    private void set(String name, String value) throws IOException {
        List<String> cmd = PartitionBanks.cmd("fw_setenv");
        fwEnvConfig.ifPresent(c -> cmd.addAll(List.of("-c", c.toString())));
        cmd.addAll(List.of(name, value));
        PartitionBanks.run(cmd);
    }
}
