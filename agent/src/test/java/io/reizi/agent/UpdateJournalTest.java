package io.reizi.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.reizi.ota.wire.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpdateJournalTest {
    @TempDir
    Path dir;

    @Test
    void everyPhaseAndTheRollbacksSurviveARestart() throws Exception {
        Path file = dir.resolve("update.json");
        for (Phase p : List.of(new Phase.Idle(), new Phase.Downloading(7), new Phase.Verifying(7), new Phase.Staged(7),
                new Phase.Switching(7), new Phase.Trial(7, Phase.TrialStart.AFTER_REBOOT), new Phase.Committing(7),
                new Phase.RollingBack(7, ErrorCode.SWITCH_FAILED, "why \"quoted\""))) {
            new UpdateJournal(file).enter(p);
            assertEquals(p, new UpdateJournal(file).entry().phase());
        }
        UpdateJournal journal = new UpdateJournal(file);
        journal.rolledBack(new UpdateJournal.Rollback(7, "sha256:" + "0".repeat(64), ErrorCode.HEALTH_CHECK_FAILED,
                "health command exited 1"), new Phase.Idle());
        UpdateJournal.Entry read = new UpdateJournal(file).entry();
        assertEquals(new Phase.Idle(), read.phase());
        assertEquals("health command exited 1", read.rollbackOf(7).orElseThrow().detail());
    }

    @Test
    void aTrialJournaledBeforeARestartIsReadAsRestarted() throws Exception {
        Path file = dir.resolve("update.json");
        new UpdateJournal(file).enter(new Phase.Trial(3, Phase.TrialStart.SWITCHED));
        assertEquals(new Phase.Trial(3, Phase.TrialStart.RESTARTED), new UpdateJournal(file).entry().phase());
    }

    @Test
    void onlyTheLastRollbacksAreKept() throws Exception {
        UpdateJournal journal = new UpdateJournal(dir.resolve("update.json"));
        for (long ver = 1; ver <= UpdateJournal.KEPT_ROLLBACKS + 4; ver++) {
            journal.rolledBack(new UpdateJournal.Rollback(ver, null, ErrorCode.HEALTH_CHECK_FAILED, "r" + ver),
                    new Phase.Idle());
        }
        List<UpdateJournal.Rollback> kept = new UpdateJournal(dir.resolve("update.json")).entry().rollbacks();
        assertEquals(UpdateJournal.KEPT_ROLLBACKS, kept.size());
        assertEquals(5, kept.getFirst().ver());
    }

    @Test
    void aMissingOrGarbageJournalReadsAsIdle() throws Exception {
        Path file = dir.resolve("update.json");
        assertEquals(new Phase.Idle(), new UpdateJournal(file).entry().phase());
        Files.writeString(file, "{\"phase\": \"exploding\", \"ver\": [");
        assertEquals(new Phase.Idle(), new UpdateJournal(file).entry().phase());
        assertEquals(List.of(), new UpdateJournal(file).entry().rollbacks());
    }
}
