package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Two partitions switched by a user script, like RAUC's custom bootloader backend: {@code SCRIPT get-primary}
 * prints A or B, {@code SCRIPT set-primary X}, {@code SCRIPT get-state X} prints good or bad, and
 * {@code SCRIPT set-state X good|bad}. A non-zero exit is an error.
 */
public final class CommandBanks extends PartitionBanks {
    private final String script;

    public CommandBanks(Path dataDir, Path a, Path b, String script) throws IOException {
        super(dataDir, a, b);
        this.script = script;
    }

    @Override
    Bank slotFromEnvironment() throws IOException {
        Bank primary = PartitionBanks.bank(call("get-primary"));
        // A primary marked bad is not what boots: the other slot is.
        return "bad".equals(call("get-state", PartitionBanks.slot(primary))) ? primary.other() : primary;
    }

    @Override
    public void activate(Bank bank) throws IOException {
        call("set-state", PartitionBanks.slot(bank), "good");
        call("set-primary", PartitionBanks.slot(bank));
    }

    @Override
    public void markGood(Bank bank) throws IOException {
        call("set-state", PartitionBanks.slot(bank), "good");
    }

    @Override
    public void markBad(Bank bank) throws IOException {
        call("set-state", PartitionBanks.slot(bank), "bad");
    }

    private String call(String... args) throws IOException {
        List<String> cmd = PartitionBanks.cmd("/bin/sh", "-c", script + " \"$@\"", "reizi-bank-command");
        cmd.addAll(List.of(args));
        return PartitionBanks.run(cmd).strip();
    }
}
