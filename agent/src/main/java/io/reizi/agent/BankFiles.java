package io.reizi.agent;

import io.reizi.ota.wire.Bank;
import io.reizi.ota.bank.BankBackend;
import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.bank.Release;
import io.reizi.ota.bank.Staging;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.Refusal;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;

/** Reads, at start, the evidence {@link Recovery} goes by: the inactive bank's files and the bank pointer. */
final class BankFiles {
    private BankFiles() {}

    /** What the inactive bank's files say (signatures checked again: the data dir is trusted no more than the broker). */
    static Recovery.Evidence read(BankBackend banks, DeviceState state, Bank pointed, UpdateSteps steps)
            throws IOException {
        Bank bank = state.inactive();
        Optional<Long> download = Optional.empty();
        boolean partition = banks.stagingPath(bank).equals(banks.imagePath(bank)); // a partition is always there
        Recovery.StagedData data = partition || Files.exists(banks.stagingPath(bank)) ? Recovery.StagedData.PART
                : Files.exists(banks.imagePath(bank)) ? Recovery.StagedData.RENAMED : Recovery.StagedData.NONE;
        boolean complete = false;
        Optional<byte[]> cose = Staging.downloadManifest(banks, bank);
        if (cose.isPresent()) {
            try {
                Manifest m = steps.trusted(cose.get());
                download = Optional.of(m.ver());
                complete = Staging.leftover(banks, bank).map(l -> l.durable().cardinality() >= m.count()).orElse(false);
            } catch (Refusal r) {
                Log.warn("dropping leftover download: " + r.getMessage());
                Staging.discard(banks, bank);
            }
        }
        Optional<Long> promoted = Optional.empty();
        Optional<byte[]> installed = Staging.installedManifest(banks, bank);
        if (installed.isPresent()) {
            try {
                Manifest m = steps.trusted(installed.get());
                Release recorded = state.banks().get(bank);
                if (recorded == null || recorded.ver() != m.ver() || !recorded.hash().equals(m.hash())) {
                    promoted = Optional.of(m.ver());
                }
            } catch (Refusal r) {
                Log.warn("the manifest in bank " + bank.wire() + " does not verify: " + r.getMessage());
            }
        }
        Optional<Bank> fellBack = banks.bootloaderDecides() && pointed != state.active() ? Optional.of(pointed)
                : Optional.empty();
        return new Recovery.Evidence(download, data, complete, promoted, fellBack);
    }
}
