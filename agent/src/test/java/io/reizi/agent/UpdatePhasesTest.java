package io.reizi.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.wire.Bank;
import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.wire.OtaState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The update's phase machine, scenario by scenario (in the manner of Mender's state tests): for each, the chain
 * of phases journaled and of statuses published. Ver 1 is installed and committed in bank b first; ver 2 is the
 * update under test. Restarts are a new {@link Updater} on the same files after a "kill -9" right after a phase
 * was journaled ({@link UpdateRig#crashAt}).
 */
class UpdatePhasesTest {
    static final byte[] V1 = UpdateRig.image(8 * 1024, 1);
    static final byte[] V2 = UpdateRig.image(6 * 1024 + 100, 2);
    static final List<String> INSTALLED = List.of("downloading", "verifying", "staged", "switching", "trial", "committed");

    @TempDir
    Path dir;
    UpdateRig rig;

    @BeforeEach
    void installVer1() throws Exception {
        rig = new UpdateRig(dir, false);
    }

    private void baseline() throws Exception {
        rig.bootInstalled(1, V1);
    }

    @Test
    void happyPath() throws Exception {
        rig.boot();
        assertEquals(List.of("idle"), rig.statusChain());
        rig.mark();
        rig.install(1, V1);
        assertEquals(List.of("downloading", "verifying", "staged", "switching", "trial", "committing", "idle"),
                rig.phaseChain());
        assertEquals(INSTALLED, rig.statusChain());
        DeviceState s = rig.state();
        assertEquals(Bank.B, s.active());
        assertFalse(s.trial());
        assertArrayEquals(V1, Files.readAllBytes(rig.bank(Bank.B).resolve("image")));
        assertEquals(List.of("good b"), rig.banks.marks);
        assertEquals(Bank.B, rig.banks.pointer);
    }

    @Test
    void hashMismatchFailsAndKeepsTheActiveRelease() throws Exception {
        baseline();
        rig.send(rig.manifest(2, V2, "sha256:" + "0".repeat(64)));
        rig.chunks(2, V2, 0, UpdateRig.count(V2));
        assertEquals(List.of("downloading", "verifying", "idle"), rig.phaseChain());
        assertEquals(List.of("downloading", "verifying", "failed/image_hash_mismatch"), rig.statusChain());
        assertEquals(1, rig.state().activeVer());
        assertFalse(Files.exists(rig.bank(Bank.A).resolve("image.part")), "the bad download is discarded");
        assertFalse(Files.exists(rig.bank(Bank.A).resolve("download.cose")));
    }

    @Test
    void killedOnceStagedResumesWithoutFetchingAByte() throws Exception {
        baseline();
        rig.crashAt(Phase.Name.STAGED).install(2, V2);
        assertTrue(Files.exists(rig.bank(Bank.A).resolve("image")) && Files.exists(rig.bank(Bank.A).resolve("manifest.cose")));
        assertEquals(1, rig.state().activeVer(), "the state file was not saved yet");
        rig.mark();
        rig.boot();
        assertEquals(List.of("staged", "switching", "trial", "committed"), rig.statusChain());
        assertEquals(List.of("switching", "trial", "committing", "idle"), rig.phaseChain());
        assertEquals(List.of(), rig.needs(), "nothing is asked for again");
        assertEquals(2, rig.state().activeVer());
    }

    @Test
    void killedBetweenTheRenamesResumesAtVerifying() throws Exception {
        baseline();
        rig.crashAt(Phase.Name.VERIFYING).install(2, V2);
        // The power cut hit between image.part -> image and download.cose -> manifest.cose.
        Files.move(rig.bank(Bank.A).resolve("image.part"), rig.bank(Bank.A).resolve("image"));
        rig.mark();
        rig.boot();
        assertEquals(List.of("verifying", "staged", "switching", "trial", "committed"), rig.statusChain());
        assertEquals(List.of(), rig.needs());
        assertEquals(2, rig.state().activeVer());
        assertArrayEquals(V2, Files.readAllBytes(rig.bank(Bank.A).resolve("image")));
    }

    @Test
    void killedWithEveryChunkSyncedResumesAtVerifying() throws Exception {
        baseline();
        rig.crashAt(Phase.Name.VERIFYING).install(2, V2);
        rig.mark();
        rig.boot();
        assertEquals(List.of("verifying", "staged", "switching", "trial", "committed"), rig.statusChain());
        assertEquals(List.of(), rig.needs());
    }

    @Test
    void killedWhileDownloadingAsksOnlyForWhatIsMissing() throws Exception {
        baseline();
        rig.send(rig.manifest(2, V2));
        rig.chunks(2, V2, 0, 3);
        rig.updater.shutdown(); // the three chunks are synced (a kill -9 after a sync is the same)
        rig.mark();
        rig.boot();
        assertEquals(List.of("[[3, 6]]"), rig.needs());
        rig.chunks(2, V2, 3, UpdateRig.count(V2));
        assertEquals(List.of("downloading", "verifying", "staged", "switching", "trial", "committed"), rig.statusChain());
    }

    @Test
    void killedWhileSwitchingSwitchesAgainFromTheStagedImage() throws Exception {
        baseline();
        rig.crashAt(Phase.Name.SWITCHING).install(2, V2);
        rig.mark();
        rig.boot();
        assertEquals(List.of("staged", "switching", "trial", "committed"), rig.statusChain());
        assertEquals(List.of("staged", "switching", "trial", "committing", "idle"), rig.phaseChain());
        assertEquals(2, rig.state().activeVer());
    }

    @Test
    void killedDuringTheTrialCountsARestartAndTriesAgain() throws Exception {
        baseline();
        rig.crashAt(Phase.Name.TRIAL).install(2, V2);
        assertTrue(rig.state().trial());
        rig.mark();
        rig.boot();
        assertEquals(List.of("trial", "committed"), rig.statusChain());
        assertEquals(List.of("committing", "idle"), rig.phaseChain());
        assertFalse(rig.state().trial());
    }

    @Test
    void killedWhileCommittingFinishesTheCommitWithoutASecondTrial() throws Exception {
        baseline();
        rig.crashAt(Phase.Name.COMMITTING).install(2, V2);
        assertTrue(rig.state().trial(), "the commit was journaled, not yet recorded");
        rig.mark();
        rig.boot();
        assertEquals(List.of("committed"), rig.statusChain());
        assertEquals(List.of("idle"), rig.phaseChain());
        assertFalse(rig.state().trial());
        assertEquals(2, rig.state().activeVer());
    }

    @Test
    void aFailedTrialRollsBack() throws Exception {
        baseline();
        rig.updater.shutdown();
        rig.health("[ \"$REIZI_VER\" != 2 ]").boot();
        rig.mark();
        rig.install(2, V2);
        assertEquals(List.of("downloading", "verifying", "staged", "switching", "trial", "rolling_back", "idle"),
                rig.phaseChain());
        assertEquals(List.of("downloading", "verifying", "staged", "switching", "trial", "rolled_back/health_check_failed"),
                rig.statusChain());
        assertEquals("health command exited 1", rig.last().detail());
        DeviceState s = rig.state();
        assertEquals(1, s.activeVer());
        assertTrue(s.wasRolledBack(2));
        assertEquals(Bank.B, rig.banks.pointer);
        assertTrue(rig.banks.marks.contains("bad a"));
    }

    @Test
    void killedWhileRollingBackFinishesTheRollbackWithItsReason() throws Exception {
        baseline();
        rig.updater.shutdown();
        rig.health("[ \"$REIZI_VER\" != 2 ]").boot();
        rig.crashAt(Phase.Name.ROLLING_BACK).install(2, V2);
        assertTrue(rig.state().trial());
        rig.mark();
        rig.boot();
        assertEquals(List.of("rolled_back/health_check_failed"), rig.statusChain());
        assertEquals("health command exited 1", rig.last().detail());
        assertEquals(1, rig.state().activeVer());
    }

    /** Ver 2's trial suffers {@code fault}: it must end in a rollback whose detail names the cause. */
    private void trialFaultRollsBack(String fault, String cause) throws Exception {
        rig.fault(fault);
        baseline();
        rig.install(2, V2);
        assertEquals(List.of("downloading", "verifying", "staged", "switching", "rolled_back/health_check_failed"),
                rig.statusChain());
        assertTrue(rig.last().detail().contains(cause), rig.last().detail());
        DeviceState s = rig.state();
        assertFalse(s.trial());
        assertEquals(1, s.activeVer());
    }

    @Test
    void aTrialThatThrowsIsAFailedTrialNeverAWedge() throws Exception {
        trialFaultRollsBack("trial@2", "trial failed: ProviderNotFoundException");
        // The next release goes into the bank of the failed one, never the one that runs.
        rig.mark();
        byte[] v3 = UpdateRig.image(3000, 3);
        rig.install(3, v3);
        assertEquals(INSTALLED, rig.statusChain());
        assertArrayEquals(V1, Files.readAllBytes(rig.bank(Bank.B).resolve("image")));
        assertArrayEquals(v3, Files.readAllBytes(rig.bank(Bank.A).resolve("image")));
    }

    @Test
    void aTrialThatNeverEndsIsRolledBackAtItsDeadline() throws Exception {
        trialFaultRollsBack("trial-hang@2", "did not end within 3000 ms");
    }

    @Test
    void restartingTooOftenDuringTheTrialRollsBack() throws Exception {
        baseline();
        rig.crashAt(Phase.Name.TRIAL).install(2, V2);
        rig.mark();
        assertTrue(rig.startOnly()); // restart 1 of 1 allowed, killed again before it is connected
        assertEquals(List.of("trial"), rig.statusChain());
        rig.mark();
        rig.boot();
        assertEquals(List.of("rolled_back/health_check_failed"), rig.statusChain());
        assertTrue(rig.last().detail().contains("restarted 2 times"), rig.last().detail());
        assertEquals(1, rig.state().activeVer());
    }

    @Test
    void aRolledBackReleaseSentAgainIsAnsweredWithItsRollback() throws Exception {
        killedWhileRollingBackFinishesTheRollbackWithItsReason();
        String reason = rig.last().detail();
        rig.mark();
        rig.send(rig.manifest(2, V2)); // the retained manifest, re-delivered on reconnect
        assertEquals(List.of("rolled_back/health_check_failed"), rig.statusChain());
        assertEquals(reason, rig.last().detail());
        rig.restartAndMark();
        rig.send(rig.manifest(2, V2));
        assertEquals(List.of("idle", "rolled_back/health_check_failed"), rig.statusChain(), "the reason is on disk");
        assertEquals(reason, rig.last().detail());
        rig.mark();
        rig.send(rig.manifest(2, UpdateRig.image(500, 9)));
        assertEquals(List.of("failed/rollback_refused"), rig.statusChain(), "another image under a rolled-back ver");
    }

    @Test
    void aBootloaderBootsTheNewBankAfterTheRebootAndCommits() throws Exception {
        rig = new UpdateRig(dir, true);
        rig.boot();
        rig.mark();
        rig.install(1, V1);
        assertEquals(List.of("downloading", "verifying", "staged", "switching", "trial"), rig.statusChain());
        assertEquals(Bank.B, rig.banks.pointer);
        rig.mark();
        rig.boot(); // the reboot
        assertEquals(List.of("trial", "committed"), rig.statusChain());
        assertEquals(List.of("good b"), rig.banks.marks);
    }

    @Test
    void killedBeforeTheRebootItAskedForTheNewBankIsTriedWithoutASecondReboot() throws Exception {
        rig = new UpdateRig(dir, true);
        rig.boot();
        rig.crashAt(Phase.Name.TRIAL).install(1, V1);
        assertFalse(rig.statuses.stream().anyMatch(s -> s.detail() != null && s.detail().contains("reboot")),
                "the reboot is asked for only once the trial is journaled");
        rig.mark();
        rig.boot(); // the power cut was the reboot
        assertEquals(List.of("trial", "committed"), rig.statusChain());
        assertFalse(rig.statuses.stream().anyMatch(s -> s.detail() != null && s.detail().contains("reboot")));
    }

    @Test
    void aBootloaderThatFellBackIsARollback() throws Exception {
        rig = new UpdateRig(dir, true);
        rig.boot();
        rig.install(1, V1);
        rig.banks.pointer = Bank.A; // the boot counter ran out
        rig.mark();
        rig.boot();
        assertEquals(List.of("rolled_back/health_check_failed"), rig.statusChain());
        assertTrue(rig.last().detail().contains("bootloader fell back to bank a"), rig.last().detail());
        assertEquals(Bank.A, rig.state().active());
    }

    @Test
    void aCrashLoopGivesTheDownloadUp() throws Exception {
        baseline();
        rig.send(rig.manifest(2, V2));
        rig.chunks(2, V2, 0, 2);
        rig.updater.abandonUpdate("crash loop: 3 panic exits");
        assertEquals(List.of("downloading", "failed/health_check_failed"), rig.statusChain());
        assertEquals(List.of("downloading", "idle"), rig.phaseChain());
        rig.mark();
        rig.send(rig.manifest(2, V2));
        assertEquals(List.of("failed/rollback_refused"), rig.statusChain());
        assertFalse(Files.exists(rig.bank(Bank.A).resolve("download.cose")));
    }

    @Test
    void aWithdrawnManifestCancelsTheDownload() throws Exception {
        baseline();
        rig.send(rig.manifest(2, V2));
        rig.chunks(2, V2, 0, 2);
        rig.send(new byte[0]);
        assertEquals(List.of("downloading", "idle"), rig.statusChain());
        assertEquals("manifest withdrawn by the publisher", rig.last().detail());
        assertEquals(List.of("downloading", "idle"), rig.phaseChain());
        assertFalse(Files.exists(rig.bank(Bank.A).resolve("download.cose")));
        assertFalse(Files.exists(rig.bank(Bank.A).resolve("image.part")));
    }

    @Test
    void theSameManifestAgainIsAnsweredWhereTheUpdateIs() throws Exception {
        baseline();
        rig.send(rig.manifest(2, V2));
        rig.chunks(2, V2, 0, 4);
        rig.mark();
        rig.send(rig.manifest(2, V2));
        assertEquals(List.of("[[4, 6]]"), rig.needs());
        assertEquals(List.of(), rig.phaseChain(), "nothing restarts");
        rig.chunks(2, V2, 4, UpdateRig.count(V2));
        rig.mark();
        rig.send(rig.manifest(2, V2));
        assertEquals(List.of("committed"), rig.statusChain());
    }

    @Test
    void aNewManifestDuringATrialWaitsForItsEnd() throws Exception {
        baseline();
        rig.crashAt(Phase.Name.TRIAL).install(2, V2);
        rig.mark();
        assertTrue(rig.startOnly()); // on trial, not yet connected
        byte[] v3 = UpdateRig.image(2000, 3);
        rig.send(rig.manifest(3, v3));
        assertFalse(rig.statusChain().contains("downloading"), "nothing goes into the rollback bank: " + rig.statusChain());
        rig.updater.resumeTrial();
        rig.drain();
        assertEquals(List.of("trial", "committed", "downloading"), rig.statusChain());
        rig.chunks(3, v3, 0, UpdateRig.count(v3));
        assertEquals(3, rig.state().activeVer());
        assertArrayEquals(V2, Files.readAllBytes(rig.bank(Bank.A).resolve("image")));
    }

    @Test
    void anActiveReleaseWithoutItsImageIsReportedFailedNeverHealthy() throws Exception {
        baseline();
        Files.delete(rig.bank(Bank.B).resolve("image"));
        rig.restartAndMark();
        rig.send(rig.manifest(1, V1));
        assertEquals(List.of("failed/image_hash_mismatch"), rig.statusChain());
        assertTrue(rig.last().detail().contains("missing"), rig.last().detail());
        rig.updater.onConnected();
        assertEquals(OtaState.FAILED, rig.last().state());
        rig.mark();
        rig.install(2, V2);
        assertEquals(INSTALLED, rig.statusChain(), "a newer release repairs it");
    }

    /**
     * Issue 12: a link lost while chunks are queued for the session, then a chunk lost. The stalls while it is
     * down ask for nothing (what is missing is still on its way: the broker holds it), nor does the reconnect;
     * the last seq asks for nothing while the lost chunk is not overdue yet, and the stall after that asks for
     * the lost chunk alone.
     */
    @Test
    void aStallReRequestAsksOnlyForWhatIsOverdueNotWhatIsStillOnItsWay() throws Exception {
        baseline();
        byte[] image = UpdateRig.image(64 * UpdateRig.CHUNK, 3);
        long base = rig.clock;
        rig.send(rig.manifest(2, image));
        for (int seq = 0; seq < 10; seq++) chunkAt(base, 1000 + 100 * seq, image, seq);
        rig.clock = base + ms(2000);
        rig.disconnect();
        for (int t = 3000; t <= 7000; t += 1000) tickAt(base, t); // stalls at 3.9 s and 5.9 s, link down
        assertEquals(List.of("[[0, 63]]"), rig.needs(), "no re-request for chunks held for the session while down");
        rig.restore();
        assertEquals(List.of("[[0, 63]]"), rig.needs(), "a reconnect says where it is without asking again");
        assertEquals(OtaState.DOWNLOADING, rig.last().state());
        for (int seq = 10; seq < 64; seq++) {
            if (seq != 30) chunkAt(base, 7100 + 100 * (seq - 10), image, seq); // 30 is lost
        }
        tickAt(base, 13_400);
        tickAt(base, 14_400); // a stall 2 s after the last chunk: 30 is not overdue yet by the measured pace
        assertEquals(List.of("[[0, 63]]"), rig.needs(), "nothing is asked before it is overdue");
        tickAt(base, 15_400);
        tickAt(base, 16_400);
        assertEquals(List.of("[[0, 63]]", "[[30, 30]]"), rig.needs(), "the overdue chunk, alone");
        chunkAt(base, 16_500, image, 30);
        assertEquals(OtaState.COMMITTED, rig.last().state(), rig.statusChain().toString());
    }

    /**
     * Issue 12: a cut the connection survives (no disconnect: TCP retransmits). Neither side can tell a chunk
     * on its way from a lost one, so nothing is asked however long it lasts — the device only sends a status
     * to learn whether the link carries. When it carries again, the queued chunks come and nothing was asked
     * twice; a stall while the link carries is a loss and is asked for.
     */
    @Test
    void aSilentLinkIsNotTakenForLostChunks() throws Exception {
        baseline();
        byte[] image = UpdateRig.image(64 * UpdateRig.CHUNK, 4);
        long base = rig.clock;
        rig.send(rig.manifest(2, image));
        for (int seq = 0; seq < 10; seq++) chunkAt(base, 1000 + 10 * seq, image, seq);
        rig.cut();
        int before = rig.statuses.size();
        for (int t = 1100; t <= 30_000; t += 100) tickAt(base, t);
        assertEquals(List.of("[[0, 63]]"), rig.needs(), "no re-request while the link does not carry");
        assertTrue(rig.statuses.size() - before <= 2, "a status or two to learn whether the link carries: "
                + (rig.statuses.size() - before));
        rig.restore();
        for (int seq = 10; seq < 60; seq++) chunkAt(base, 30_100 + 10 * seq, image, seq); // 60..63 lost
        assertEquals(List.of("[[0, 63]]"), rig.needs());
        for (int t = 31_000; t <= 40_000; t += 100) tickAt(base, t);
        List<String> needs = rig.needs();
        assertEquals(List.of("[[0, 63]]", "[[60, 63]]"), needs.subList(0, 2), "the link carries and they do not come: lost");
        assertTrue(needs.stream().skip(1).allMatch("[[60, 63]]"::equals), needs.toString());
    }

    private void chunkAt(long base, long atMs, byte[] image, int seq) {
        rig.clock = base + ms(atMs);
        rig.chunks(2, image, seq, seq + 1);
    }

    private void tickAt(long base, long atMs) {
        rig.clock = base + ms(atMs);
        rig.updater.tick();
    }

    private static long ms(long millis) {
        return millis * 1_000_000L;
    }
}
