package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The durable facts of a device: which bank is active, what each bank holds, whether the active
 * release is still on trial (and how many restarts it has survived), and which releases were rolled back.
 * Immutable; every change makes a new value that {@link StateStore} writes atomically.
 */
public record DeviceState(Bank active, Map<Bank, Release> banks, boolean trial, int trialRestarts, List<Long> rolledBack) {
    public DeviceState {
        banks = Map.copyOf(banks);
        rolledBack = List.copyOf(rolledBack);
    }

    public static DeviceState fresh() {
        return new DeviceState(Bank.A, Map.of(), false, 0, List.of());
    }

    public Optional<Release> activeRelease() {
        return Optional.ofNullable(banks.get(active));
    }

    public long activeVer() {
        return activeRelease().map(Release::ver).orElse(0L);
    }

    public Bank inactive() {
        return active.other();
    }

    public boolean wasRolledBack(long ver) {
        return rolledBack.contains(ver);
    }

    /** The inactive bank is being overwritten: whatever it held is gone. */
    public DeviceState clearInactive() {
        Map<Bank, Release> m = new EnumMap<>(Bank.class);
        m.putAll(banks);
        m.remove(inactive());
        return new DeviceState(active, m, trial, trialRestarts, rolledBack);
    }

    /** Switch to the inactive bank, which now holds {@code release}, and start its trial. */
    public DeviceState switchTo(Release release) {
        Map<Bank, Release> m = new EnumMap<>(Bank.class);
        m.putAll(banks);
        m.put(inactive(), release);
        return new DeviceState(inactive(), m, true, 0, rolledBack);
    }

    public DeviceState commit() {
        return new DeviceState(active, banks, false, 0, rolledBack);
    }

    public DeviceState countTrialRestart() {
        return new DeviceState(active, banks, trial, trialRestarts + 1, rolledBack);
    }

    /** A release that will not be installed (given up on): refused like a rolled-back one. */
    public DeviceState refuse(long ver) {
        List<Long> rb = new ArrayList<>(rolledBack);
        if (!rb.contains(ver)) rb.add(ver);
        return new DeviceState(active, banks, trial, trialRestarts, rb);
    }

    /** Back to the other bank; the abandoned release's ver is never installed again. */
    public DeviceState rollBack() {
        List<Long> rb = new ArrayList<>(rolledBack);
        activeRelease().ifPresent(r -> {
            if (!rb.contains(r.ver())) rb.add(r.ver());
        });
        return new DeviceState(inactive(), banks, false, 0, rb);
    }
}
