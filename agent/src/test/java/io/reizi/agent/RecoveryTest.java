package io.reizi.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.reizi.ota.wire.Bank;
import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.bank.Release;
import io.reizi.ota.wire.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The table of docs/update-phases.md, row by row: journaled phase + state file + files found → where it resumes. */
class RecoveryTest {
    static final String HASH = "sha256:" + "ab".repeat(32);
    static final Release V1 = new Release("fw", 1, null, "image", HASH, null);
    static final Release V2 = new Release("fw", 2, null, "image", HASH, null);
    /** Ver 1 active and committed in bank a. */
    static final DeviceState ON_V1 = new DeviceState(Bank.A, Map.of(Bank.A, V1), false, 0, List.of());
    /** Ver 2 switched to in bank b, on trial. */
    static final DeviceState TRYING_V2 = new DeviceState(Bank.B, Map.of(Bank.A, V1, Bank.B, V2), true, 0, List.of());
    static final DeviceState ROLLED_BACK_V2 = new DeviceState(Bank.A, Map.of(Bank.A, V1, Bank.B, V2), false, 0, List.of(2L));
    static final Recovery.Evidence NOTHING = Recovery.Evidence.none();

    static Recovery.Evidence download(Recovery.StagedData data, boolean complete) {
        return new Recovery.Evidence(Optional.of(2L), data, complete, Optional.empty(), Optional.empty());
    }

    static Recovery.Evidence promoted(long ver) {
        return new Recovery.Evidence(Optional.empty(), Recovery.StagedData.NONE, false, Optional.of(ver), Optional.empty());
    }

    @Test
    void nothingInFlightIsIdle() {
        assertEquals(new Phase.Idle(), Recovery.resumeAt(new Phase.Idle(), ON_V1, NOTHING));
    }

    @Test
    void aPartialDownloadResumesDownloadingAndACompleteOneVerifies() {
        assertEquals(new Phase.Downloading(2), Recovery.resumeAt(new Phase.Downloading(2), ON_V1, download(Recovery.StagedData.PART, false)));
        assertEquals(new Phase.Verifying(2), Recovery.resumeAt(new Phase.Downloading(2), ON_V1, download(Recovery.StagedData.PART, true)));
        // image.part already renamed to image, download.cose not yet: verify, fetch nothing.
        assertEquals(new Phase.Verifying(2), Recovery.resumeAt(new Phase.Verifying(2), ON_V1, download(Recovery.StagedData.RENAMED, false)));
        // download.cose renamed in, the power cut before the staging file was made (journal may say anything):
        // there is nothing to verify; the download starts afresh instead of failing a verify of no image.
        assertEquals(new Phase.Downloading(2), Recovery.resumeAt(new Phase.Verifying(2), ON_V1, download(Recovery.StagedData.NONE, false)));
    }

    @Test
    void aPromotedImageTheStateDoesNotRecordIsStaged() {
        for (Phase saved : List.of(new Phase.Verifying(2), new Phase.Staged(2), new Phase.Switching(2), new Phase.Idle())) {
            assertEquals(new Phase.Staged(2), Recovery.resumeAt(saved, ON_V1, promoted(2)), saved.toString());
        }
        assertEquals(new Phase.Idle(), Recovery.resumeAt(new Phase.Downloading(3), ON_V1, promoted(2)),
                "a journal naming another release wins");
        assertEquals(new Phase.Idle(), Recovery.resumeAt(new Phase.Idle(), ON_V1, promoted(1)), "not newer than the active");
        assertEquals(new Phase.Idle(), Recovery.resumeAt(new Phase.Idle(), ROLLED_BACK_V2, promoted(2)), "rolled back here");
    }

    @Test
    void onTrialARestartIsCountedUnlessTheJournalIsFurther() {
        Phase.Trial restarted = new Phase.Trial(2, Phase.TrialStart.RESTARTED);
        assertEquals(restarted, Recovery.resumeAt(new Phase.Idle(), TRYING_V2, NOTHING));
        assertEquals(restarted, Recovery.resumeAt(new Phase.Trial(2, Phase.TrialStart.AFTER_REBOOT), TRYING_V2, NOTHING));
        assertEquals(new Phase.Committing(2), Recovery.resumeAt(new Phase.Committing(2), TRYING_V2, NOTHING));
        Phase.RollingBack rb = new Phase.RollingBack(2, ErrorCode.HEALTH_CHECK_FAILED, "health command exited 1");
        assertEquals(rb, Recovery.resumeAt(rb, TRYING_V2, NOTHING));
        assertEquals(new Phase.Switching(2), Recovery.resumeAt(new Phase.Switching(2), TRYING_V2,
                new Recovery.Evidence(Optional.empty(), Recovery.StagedData.NONE, false, Optional.empty(), Optional.of(Bank.A))),
                "a pointer not yet turned after a journaled switch is not a bootloader's fallback");
    }

    @Test
    void aBootloaderThatBootsTheOtherBankDuringATrialIsARollback() {
        Phase resumed = Recovery.resumeAt(new Phase.Trial(2, Phase.TrialStart.AFTER_REBOOT), TRYING_V2,
                new Recovery.Evidence(Optional.empty(), Recovery.StagedData.NONE, false, Optional.empty(), Optional.of(Bank.A)));
        assertEquals(Phase.Name.ROLLING_BACK, resumed.name());
        assertEquals("the bootloader fell back to bank a: ver 2 did not confirm its boot",
                ((Phase.RollingBack) resumed).reason());
    }

    @Test
    void aFinishedRollbackOrCommitIsReportedOnce() {
        Phase.RollingBack rb = new Phase.RollingBack(2, ErrorCode.HEALTH_CHECK_FAILED, "why");
        assertEquals(rb, Recovery.resumeAt(rb, ROLLED_BACK_V2, NOTHING));
        DeviceState committed = new DeviceState(Bank.B, Map.of(Bank.A, V1, Bank.B, V2), false, 0, List.of());
        assertEquals(new Phase.Committing(2), Recovery.resumeAt(new Phase.Committing(2), committed, NOTHING));
    }
}
