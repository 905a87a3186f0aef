package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Two partitions chosen by GRUB, through the real {@code grub-editenv} on the environment file and RAUC's
 * variables: {@code ORDER} ("A B"), {@code A_OK}/{@code A_TRY}, {@code B_OK}/{@code B_TRY}. The boot script
 * boots the first slot in ORDER that is OK and not yet tried, and sets its TRY; a confirmed boot clears it.
 * grub-editenv rewrites the whole block in one write, so several variables change together.
 */
public final class GrubBanks extends PartitionBanks {
    private final Path env;

    public GrubBanks(Path dataDir, Path a, Path b, Path env) throws IOException {
        super(dataDir, a, b);
        this.env = env;
        if (!Files.exists(env)) PartitionBanks.run(List.of("grub-editenv", env.toString(), "create"));
        if (!read().containsKey("ORDER")) set("ORDER=A B", "A_OK=1", "A_TRY=0", "B_OK=1", "B_TRY=0");
    }

    /** The slot GRUB boots: the first in ORDER that is OK and not tried without confirmation. */
    @Override
    Bank slotFromEnvironment() throws IOException {
        Map<String, String> vars = read();
        List<String> order = List.of(vars.getOrDefault("ORDER", "A B").trim().split("\\s+"));
        for (String slot : order) {
            if ("1".equals(vars.get(slot + "_OK")) && !"1".equals(vars.get(slot + "_TRY"))) {
                return PartitionBanks.bank(slot);
            }
        }
        return PartitionBanks.bank(order.getFirst());
    }

    @Override
    public void activate(Bank bank) throws IOException {
        String s = PartitionBanks.slot(bank);
        set(s + "_OK=1", s + "_TRY=0", "ORDER=" + s + " " + PartitionBanks.slot(bank.other()));
    }

    @Override
    public void markGood(Bank bank) throws IOException {
        String s = PartitionBanks.slot(bank);
        set(s + "_OK=1", s + "_TRY=0");
    }

    @Override
    public void markBad(Bank bank) throws IOException {
        String s = PartitionBanks.slot(bank);
        set(s + "_OK=0", s + "_TRY=0", "ORDER=" + PartitionBanks.slot(bank.other()) + " " + s);
    }

    private Map<String, String> read() throws IOException {
        Map<String, String> vars = new HashMap<>();
        for (String line : PartitionBanks.run(List.of("grub-editenv", env.toString(), "list")).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) vars.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return vars;
    }

    private void set(String... assignments) throws IOException {
        List<String> cmd = PartitionBanks.cmd("grub-editenv", env.toString(), "set");
        cmd.addAll(List.of(assignments));
        PartitionBanks.run(cmd);
    }
}
