package io.reizi.agent;

import io.reizi.ota.wire.Bank;
import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.wire.ErrorCode;
import java.util.Optional;

/**
 * The one place that maps what a start finds (the journal's phase, the state file, the inactive bank's files)
 * to the phase the update resumes at. Pure: {@link Evidence} is read beforehand. The table is in
 * {@code docs/update-phases.md}.
 */
final class Recovery {
    /**
     * The files found. {@code download}: the ver of {@code download.cose} (signature checked), {@code data}
     * where its data is, {@code downloadComplete} whether its bitmap has every chunk;
     * {@code promoted}: the ver of a signed {@code manifest.cose} with its image that the state file does not
     * record for the bank; {@code bootloaderPointsAt}: the bank a bootloader backend boots when it is not the
     * state file's active one.
     */
    record Evidence(Optional<Long> download, StagedData data, boolean downloadComplete, Optional<Long> promoted,
            Optional<Bank> bootloaderPointsAt) {
        static Evidence none() {
            return new Evidence(Optional.empty(), StagedData.NONE, false, Optional.empty(), Optional.empty());
        }
    }

    /** Where a download's data is: its staging file (or partition), already renamed to the image, or not made yet. */
    enum StagedData { PART, RENAMED, NONE }

    private Recovery() {}

    static Phase resumeAt(Phase saved, DeviceState state, Evidence found) {
        if (state.trial()) return onTrial(saved, state, found);
        if (saved instanceof Phase.RollingBack rb && state.wasRolledBack(rb.ver())) return rb; // report it, start the app
        if (saved instanceof Phase.Committing c && c.ver() == state.activeVer()) return c;
        if (found.promoted().isPresent()) {
            long ver = found.promoted().get();
            if (ver > state.activeVer() && !state.wasRolledBack(ver) && sameRelease(saved, ver)) return new Phase.Staged(ver);
        }
        if (found.download().isPresent()) {
            long ver = found.download().get();
            // Every chunk on disk, or the staging file already renamed to the image: verify, fetch nothing.
            // No data at all (cut before the first write): downloading, which finds nothing and starts afresh.
            if (found.downloadComplete() || found.data() == StagedData.RENAMED) return new Phase.Verifying(ver);
            return new Phase.Downloading(ver);
        }
        return new Phase.Idle();
    }

    private static Phase onTrial(Phase saved, DeviceState state, Evidence found) {
        long ver = state.activeVer();
        // Saved before the pointer was turned: the switch is finished, not a bootloader's fallback.
        if (saved instanceof Phase.Switching s && s.ver() == ver) return s;
        if (found.bootloaderPointsAt().isPresent()) {
            return new Phase.RollingBack(ver, ErrorCode.HEALTH_CHECK_FAILED, "the bootloader fell back to bank "
                    + found.bootloaderPointsAt().get().wire() + ": ver " + ver + " did not confirm its boot");
        }
        if (saved instanceof Phase.RollingBack rb && rb.ver() == ver) return rb;
        if (saved instanceof Phase.Committing c && c.ver() == ver) return c;
        return new Phase.Trial(ver, Phase.TrialStart.RESTARTED);
    }

    /** A journal that names a release in flight must name this one (older agents wrote no journal: idle). */
    private static boolean sameRelease(Phase saved, long ver) {
        return switch (saved) {
            case Phase.Idle i -> true;
            case Phase.Downloading d -> d.ver() == ver;
            case Phase.Verifying v -> v.ver() == ver;
            case Phase.Staged s -> s.ver() == ver;
            case Phase.Switching s -> s.ver() == ver;
            default -> false;
        };
    }
}
