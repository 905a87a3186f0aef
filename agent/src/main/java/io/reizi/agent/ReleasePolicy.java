package io.reizi.agent;

import io.reizi.ota.bank.BankBackend;
import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.Refusal;
import java.io.IOException;

/** Whether this device takes a signed, well-formed manifest: the refusals of the contract after the signature. */
record ReleasePolicy(AcceptanceSettings acceptance, BankBackend banks) {
    void check(Manifest m, DeviceState state, long nowSeconds) throws Refusal, IOException {
        if (m.kind() != Kind.IMAGE && banks.bootloaderDecides()) {
            throw new Refusal(ErrorCode.MALFORMED, "kind '" + m.kind().wire() + "' is hosted by the runtime, which runs"
                    + " releases from the symlink backend; this device's banks are partitions for 'image' releases");
        }
        if (m.kind() == Kind.JAR && m.entry().isEmpty()) {
            throw new Refusal(ErrorCode.MALFORMED, "a jar release needs an entry (the class implementing ReiziApp)");
        }
        java.util.Optional<String> badEntry = io.reizi.runtime.AppEntry.problem(m.kind().wire(), m.entry());
        if (badEntry.isPresent()) throw new Refusal(ErrorCode.MALFORMED, badEntry.get());
        if (m.expires().isPresent() && nowSeconds > m.expires().get()) {
            throw new Refusal(ErrorCode.EXPIRED, "manifest expired at " + m.expires().get());
        }
        if (m.hw().isPresent() && (acceptance.hw().isEmpty() || !m.hw().get().contains(acceptance.hw().get()))) {
            throw new Refusal(ErrorCode.HW_MISMATCH, "device hw '" + acceptance.hw().orElse("(none)")
                    + "' is not in " + m.hw().get());
        }
        if (state.wasRolledBack(m.ver())) {
            throw new Refusal(ErrorCode.ROLLBACK_REFUSED, "ver " + m.ver() + " was rolled back on this device");
        }
        if (!mayTake(m.ver(), state)) {
            throw new Refusal(ErrorCode.ROLLBACK_REFUSED, "ver " + m.ver() + " is not newer than the active ver "
                    + state.activeVer());
        }
        if (m.size() > acceptance.maxImageSize()) {
            throw new Refusal(ErrorCode.TOO_LARGE, "size " + m.size() + " is over the maximum " + acceptance.maxImageSize());
        }
        long capacity = banks.capacity(state.inactive());
        if (m.size() > capacity) {
            throw new Refusal(ErrorCode.NO_SPACE, "size " + m.size() + " is over the " + capacity
                    + " bytes bank " + state.inactive().wire() + " can take");
        }
    }

    /** Whether a release of {@code ver} may replace the active one (else it is refused {@code rollback_refused}). */
    boolean mayTake(long ver, DeviceState state) {
        return acceptance.allowDowngrade() || ver > state.activeVer();
    }
}
