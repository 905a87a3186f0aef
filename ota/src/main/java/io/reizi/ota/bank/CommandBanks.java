package io.reizi.ota.bank;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Two partitions switched by a user script, like RAUC's custom bootloader backend: {@code SCRIPT get-primary}
 * prints A or B, {@code SCRIPT set-primary X}, {@code SCRIPT get-state X} prints good or bad, and
 * {@code SCRIPT set-state X good|bad}. A non-zero exit is an error.
 */
public final class CommandBanks implements BankBackend {
    private final Partitions parts;
    private final String script;

    public CommandBanks(Path dataDir, Path a, Path b, String script) throws IOException {
        this.parts = new Partitions(dataDir, a, b);
        this.script = script;
    }

    @Override
    public Path bankDir(Bank bank) {
        return parts.meta(bank);
    }

    @Override
    public Path imagePath(Bank bank) {
        return parts.image(bank);
    }

    @Override
    public Bank pointedAt() throws IOException {
        Bank primary = Partitions.bank(call("get-primary"));
        // A primary marked bad is not what boots: the other slot is.
        return "bad".equals(call("get-state", Partitions.slot(primary))) ? primary.other() : primary;
    }

    @Override
    public void activate(Bank bank) throws IOException {
        call("set-state", Partitions.slot(bank), "good");
        call("set-primary", Partitions.slot(bank));
    }

    @Override
    public void markGood(Bank bank) throws IOException {
        call("set-state", Partitions.slot(bank), "good");
    }

    @Override
    public void markBad(Bank bank) throws IOException {
        call("set-state", Partitions.slot(bank), "bad");
    }

    @Override
    public long capacity(Bank bank) throws IOException {
        return parts.capacity(bank);
    }

    @Override
    public boolean bootloaderDecides() {
        return true;
    }

    private String call(String... args) throws IOException {
        List<String> cmd = Partitions.cmd("/bin/sh", "-c", script + " \"$@\"", "reizi-bank-command");
        cmd.addAll(List.of(args));
        return Partitions.run(cmd).strip();
    }
}
