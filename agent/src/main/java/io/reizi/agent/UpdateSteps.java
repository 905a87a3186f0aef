package io.reizi.agent;

import io.reizi.ota.wire.Bank;
import io.reizi.ota.bank.BankBackend;
import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.bank.Release;
import io.reizi.ota.bank.Staging;
import io.reizi.ota.bank.StateStore;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.crypto.TrustedKeys;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Refusal;
import io.reizi.ota.wire.Status;
import io.reizi.runtime.AppRelease;
import io.reizi.runtime.AppRuntime;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The side effects of the phases that run on the update worker (verifying to rolling back). Each step acts
 * on what the disk says (the bank's signed manifest, the state file), so that a resumed phase and a fresh one
 * are the same code, and returns the phase that follows; the {@link Updater} journals it before the next step.
 */
final class UpdateSteps {
    /** What the steps need from the machine: the device state, statuses, the journal. */
    interface Machine {
        DeviceState state();

        void state(DeviceState next);

        StatusBuilder status(OtaState state);

        void publish(Status status);

        UpdateJournal journal();
    }

    /** Time a trial may take beyond its window and stop-grace (app start and stop) before it counts as hung. */
    static final Duration TRIAL_SLACK = Duration.ofSeconds(30);
    private final Duration trialSlack;
    private final AgentConfig config;
    private final TrustedKeys trust;
    private final BankBackend banks;
    private final StateStore store;
    private final AppRuntime runtime;
    private final TrialProbe probe;
    private final Machine machine;
    private final FaultInjector faults;
    /** The ver whose staged image this run hashed itself; a staged image found at start is hashed again. */
    private long verifiedVer = -1;
    private Double swapMs;

    UpdateSteps(AgentConfig config, TrustedKeys trust, BankBackend banks, StateStore store, AppRuntime runtime,
            Machine machine, FaultInjector faults, Duration trialSlack) {
        this.faults = faults;
        this.trialSlack = trialSlack;
        this.config = config;
        this.trust = trust;
        this.banks = banks;
        this.store = store;
        this.runtime = runtime;
        this.probe = new TrialProbe(config.trial(), banks, runtime);
        this.machine = machine;
    }

    /** Runs the step of {@code phase} (one that {@link Phase#onWorker() runs on the worker}); the next phase. */
    Phase step(Phase phase) {
        return switch (phase) {
            case Phase.Verifying v -> verify(v.ver());
            case Phase.Staged s -> stage(s.ver());
            case Phase.Switching s -> switchBanks(s.ver());
            case Phase.Trial t -> trial(t);
            case Phase.Committing c -> commit(c.ver());
            case Phase.RollingBack rb -> rollBack(rb);
            case Phase.Idle i -> throw new IllegalStateException("idle is not a worker phase");
            case Phase.Downloading d -> throw new IllegalStateException("downloading is not a worker phase");
        };
    }

    /**
     * A step threw something it did not expect: the update still ends, with a status. A trial that throws
     * (unpacking included) is a failed trial: roll back.
     */
    Phase afterThrow(Phase phase, Throwable t) {
        Log.error("the " + phase.name().wire() + " step of ver=" + phase.ver() + " failed", t);
        String what = t.getClass().getSimpleName() + (t.getMessage() != null ? ": " + t.getMessage() : "");
        return switch (phase) {
            case Phase.Trial tr -> new Phase.RollingBack(tr.ver(), ErrorCode.HEALTH_CHECK_FAILED, "trial failed: " + what);
            case Phase.Verifying v -> fail(v.ver(), ErrorCode.IMAGE_HASH_MISMATCH, "cannot verify the staged image: " + what);
            case Phase.Staged s -> fail(s.ver(), ErrorCode.IMAGE_HASH_MISMATCH, "cannot verify the staged image: " + what);
            default -> fail(phase.ver(), ErrorCode.SWITCH_FAILED, phase.name().wire() + " failed: " + what);
        };
    }

    private Phase verify(long ver) {
        Bank bank = machine.state().inactive();
        Manifest m;
        try {
            Optional<byte[]> cose = Staging.downloadManifest(banks, bank);
            if (cose.isEmpty()) return fail(ver, ErrorCode.MALFORMED, "the download of ver " + ver + " is gone from bank "
                    + bank.wire());
            m = trusted(cose.get());
        } catch (IOException e) {
            return failStorage(ver, StorageFailure.Step.VERIFYING, "cannot read the manifest of the download", e);
        } catch (Refusal r) {
            discardQuietly(bank);
            return fail(ver, r.code(), "the stored manifest of the download: " + r.getMessage());
        }
        Log.info("all " + m.count() + " chunks of ver=" + m.ver() + " received; verifying");
        machine.publish(machine.status(OtaState.VERIFYING).release(m)
                .progress(m.count(), m.count(), m.size(), 1.0, 0).build());
        try {
            String actual = Staging.hashOf(Staging.stagedData(banks, bank), m.size());
            if (!actual.equals(m.hash())) {
                Staging.discard(banks, bank);
                return fail(m, ErrorCode.IMAGE_HASH_MISMATCH, "image is " + actual + ", the manifest says " + m.hash());
            }
            Staging.promote(banks, bank);
        } catch (IOException e) {
            return failStorage(ver, StorageFailure.Step.VERIFYING, "cannot verify the staged image in bank " + bank.wire(), e);
        }
        verifiedVer = m.ver();
        return new Phase.Staged(m.ver());
    }

    private Phase stage(long ver) {
        Bank bank = machine.state().inactive();
        Manifest m;
        try {
            m = installedManifest(bank, ver);
            if (verifiedVer != ver) {
                Log.info("ver=" + ver + " found staged in bank " + bank.wire() + "; hashing it again before the switch");
                String actual = Staging.hashOf(banks.imagePath(bank), m.size());
                if (!actual.equals(m.hash())) {
                    Staging.discard(banks, bank);
                    return fail(m, ErrorCode.IMAGE_HASH_MISMATCH, "staged image is " + actual + ", the manifest says "
                            + m.hash());
                }
                verifiedVer = ver;
            }
        } catch (IOException e) {
            return failStorage(ver, StorageFailure.Step.VERIFYING, "cannot read the staged image in bank " + bank.wire(), e);
        } catch (Refusal r) {
            return fail(ver, r.code(), "the staged manifest: " + r.getMessage());
        }
        machine.publish(machine.status(OtaState.STAGED).release(m).build());
        return new Phase.Switching(ver);
    }

    private Phase switchBanks(long ver) {
        DeviceState before = machine.state();
        boolean saved = before.trial() && before.activeVer() == ver; // a resumed switch: the state file has it
        Release release;
        try {
            release = saved ? before.activeRelease().orElseThrow() : Release.of(installedManifest(before.inactive(), ver));
        } catch (IOException e) {
            return failStorage(ver, StorageFailure.Step.SWITCHING, "cannot read the staged manifest", e);
        } catch (Refusal r) {
            return fail(ver, r.code(), "the staged manifest: " + r.getMessage());
        }
        machine.publish(machine.status(OtaState.SWITCHING).release(release).build());
        try {
            if (!saved) {
                DeviceState after = before.switchTo(release);
                store.save(after);
                machine.state(after);
            }
            banks.activate(machine.state().active());
        } catch (IOException | RuntimeException e) {
            Log.error("switch to bank " + before.inactive().wire() + " failed: " + e.getMessage());
            DeviceState restore = saved ? before.rollBack() : before;
            try {
                store.save(restore);
                banks.activate(restore.active());
            } catch (IOException again) {
                Log.error("restoring bank " + restore.active().wire() + " failed too: " + again.getMessage());
            }
            machine.state(restore);
            String cause = e instanceof IOException io ? StorageFailure.of(StorageFailure.Step.SWITCHING,
                    "switch to bank " + before.inactive().wire(), io).detail() : e.toString();
            machine.publish(machine.status(OtaState.FAILED).release(release).error(ErrorCode.SWITCH_FAILED, cause).build());
            return new Phase.Idle();
        }
        if (banks.bootloaderDecides()) return new Phase.Trial(ver, Phase.TrialStart.AFTER_REBOOT); // reboot once journaled
        Log.info("switched to bank " + machine.state().active().wire() + " ver=" + ver + "; trial starts");
        return new Phase.Trial(ver, Phase.TrialStart.SWITCHED);
    }

    /**
     * A bootloader backend boots the new slot only after a reboot; its trial runs when the agent starts on
     * the new system (that start counts as the first trial restart). Without a reboot command, the operator reboots.
     * Called once the trial awaiting the reboot is journaled: a restart never asks for a second reboot.
     */
    void requestReboot() {
        Release release = machine.state().activeRelease().orElseThrow();
        String detail = "bank " + machine.state().active().wire() + " is primary; reboot to boot ver " + release.ver();
        if (config.trial().rebootCmd().isEmpty()) {
            Log.warn(detail + " (no reboot-cmd configured)");
            machine.publish(machine.status(OtaState.TRIAL).release(release).detail(detail).build());
            return;
        }
        Log.info(detail + ": running " + config.trial().rebootCmd().get());
        machine.publish(machine.status(OtaState.TRIAL).release(release).detail(detail).build());
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", config.trial().rebootCmd().get()).inheritIO()
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            // A reboot command schedules the reboot and returns; one that does not is left running.
            if (p.waitFor(10, TimeUnit.SECONDS)) Log.info("reboot command exited " + p.exitValue());
        } catch (IOException e) {
            Log.error("reboot command failed to start: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs the trial with a deadline: whatever it throws, or a trial that never ends, is a failed trial. */
    private Phase trial(Phase.Trial t) {
        DeviceState s = machine.state();
        Release release = s.activeRelease().orElseThrow(() -> new IllegalStateException("no active release to try"));
        Duration deadline = config.trial().window().plus(config.trial().stopGrace()).plus(trialSlack);
        try {
            TrialProbe.Outcome outcome = bounded("trial-" + release.ver(), deadline, () -> {
                faults.beforeTrial();
                return probe.run(release, s.active(), appIn(s, banks, s.active()), t.start() == Phase.TrialStart.RESTARTED,
                        swap -> machine.publish(machine.status(OtaState.TRIAL).release(release).swapMs(swap).build()));
            });
            swapMs = outcome.swapMs();
            return outcome.failure().<Phase>map(f -> new Phase.RollingBack(t.ver(), f.code(), f.detail()))
                    .orElse(new Phase.Committing(t.ver()));
        } catch (TimeoutException e) {
            return new Phase.RollingBack(t.ver(), ErrorCode.HEALTH_CHECK_FAILED, "the trial of ver " + t.ver()
                    + " did not end within " + deadline.toMillis() + " ms");
        } catch (ExecutionException e) {
            return afterThrow(t, e.getCause());
        } catch (InterruptedException e) {
            // The agent is stopping: the state file keeps the trial, and the next start counts it as a restart.
            Thread.currentThread().interrupt();
            return t;
        }
    }

    private Phase commit(long ver) {
        DeviceState s = machine.state();
        Release release = s.activeRelease().orElseThrow(() -> new IllegalStateException("no active release to commit"));
        try {
            if (s.trial()) {
                runtime.commit();
                banks.markGood(s.active());
                DeviceState after = s.commit();
                store.save(after);
                machine.state(after);
            }
        } catch (IOException e) {
            StorageFailure f = StorageFailure.of(StorageFailure.Step.COMMITTING, "cannot record the commit of ver " + ver, e);
            Log.error(f.detail() + "; the release stays on trial and is tried again at the next start");
            machine.publish(machine.status(OtaState.FAILED).release(release).error(f.code(), f.detail()).build());
            return new Phase.Idle();
        }
        Log.info("committed ver=" + ver + " in bank " + machine.state().active().wire());
        StatusBuilder committed = machine.status(OtaState.COMMITTED).release(release).swapMs(swapMs);
        lingering().ifPresent(committed::detail);
        machine.publish(committed.build());
        swapMs = null;
        return new Phase.Idle();
    }

    /** Back to the other bank; idempotent, so that a rollback a power cut interrupted is finished at start. */
    private Phase rollBack(Phase.RollingBack rb) {
        DeviceState s = machine.state();
        boolean pending = s.trial() && s.activeVer() == rb.ver();
        Optional<Release> failed = pending ? s.activeRelease() : Optional.ofNullable(s.banks().get(s.inactive()))
                .filter(r -> r.ver() == rb.ver());
        try {
            if (pending) {
                DeviceState after = s.rollBack();
                banks.markBad(s.active());
                store.save(after);
                machine.state(after);
            }
            banks.activate(machine.state().active());
        } catch (IOException e) {
            StorageFailure f = StorageFailure.of(StorageFailure.Step.ROLLING_BACK, "rollback of ver " + rb.ver()
                    + " to bank " + s.inactive().wire(), e);
            Log.error(f.detail() + " (after: " + rb.reason() + "); tried again at the next start");
            machine.publish(machine.status(OtaState.FAILED).release(failed.orElse(null), rb.ver())
                    .error(f.code(), f.detail() + "; rolling back because: " + rb.reason()).build());
            return new Phase.Idle();
        }
        restartPrevious();
        try {
            machine.journal().rolledBack(new UpdateJournal.Rollback(rb.ver(), failed.map(Release::hash).orElse(null),
                    rb.code(), rb.reason()), new Phase.Idle());
        } catch (IOException e) {
            Log.warn("cannot record the rollback's reason: " + e.getMessage());
        }
        Log.warn("rolled back ver=" + rb.ver() + " to bank " + machine.state().active().wire() + ": " + rb.reason());
        machine.publish(machine.status(OtaState.ROLLED_BACK).release(failed.orElse(null), rb.ver())
                .error(rb.code(), rb.reason() + lingering().map(l -> "; " + l).orElse("")).build());
        return new Phase.Idle();
    }

    /** Threads the replaced release left running past stop-grace: said in the status; the agent restarts to shed them. */
    private Optional<String> lingering() {
        return runtime.lingering().map(io.reizi.runtime.Lingering::detail);
    }

    /** The previous release runs again; a runtime that does not come back in time is reported, not waited for. */
    private void restartPrevious() {
        DeviceState s = machine.state();
        Duration deadline = config.trial().stopGrace().plus(trialSlack);
        try {
            bounded("rollback-start", deadline, () -> {
                runtime.rollBackTo(appIn(s, banks, s.active()));
                return null;
            });
        } catch (TimeoutException e) {
            Log.error("the previous release did not start again within " + deadline.toMillis() + " ms");
        } catch (ExecutionException e) {
            Log.error("the previous release does not start again: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Phase fail(long ver, ErrorCode code, String detail) {
        Log.error("update of ver=" + ver + " failed: " + code.wire() + ": " + detail);
        machine.publish(machine.status(OtaState.FAILED).release(null, ver).error(code, detail).build());
        return new Phase.Idle();
    }

    private Phase fail(Manifest m, ErrorCode code, String detail) {
        Log.error("update of ver=" + m.ver() + " failed: " + code.wire() + ": " + detail);
        machine.publish(machine.status(OtaState.FAILED).release(m).error(code, detail).build());
        return new Phase.Idle();
    }

    private Phase failStorage(long ver, StorageFailure.Step step, String what, IOException e) {
        StorageFailure f = StorageFailure.of(step, what, e);
        return fail(ver, f.code(), f.detail());
    }

    private void discardQuietly(Bank bank) {
        try {
            Staging.discard(banks, bank);
        } catch (IOException e) {
            Log.warn("cleaning bank " + bank.wire() + ": " + e.getMessage());
        }
    }

    private Manifest installedManifest(Bank bank, long ver) throws IOException, Refusal {
        byte[] cose = Staging.installedManifest(banks, bank)
                .orElseThrow(() -> new IOException("bank " + bank.wire() + " holds no staged image of ver " + ver));
        Manifest m = trusted(cose);
        if (m.ver() != ver) throw new IOException("bank " + bank.wire() + " holds ver " + m.ver() + ", not " + ver);
        return m;
    }

    /** A stored signed manifest, checked again: the data dir is not trusted more than the broker. */
    Manifest trusted(byte[] cose) throws Refusal {
        CoseSign1.Envelope env = CoseSign1.decode(cose);
        trust.verify(env);
        return ManifestCodec.decode(env.payload());
    }

    /** The runtime's view of what a bank holds, when it is something the runtime runs. */
    static Optional<AppRelease> appIn(DeviceState state, BankBackend banks, Bank bank) {
        Release r = state.banks().get(bank);
        if (r == null || r.kind().equals(Kind.IMAGE.wire())) return Optional.empty();
        AppRelease.AppKind kind = r.kind().equals(Kind.JAR.wire()) ? AppRelease.AppKind.JAR : AppRelease.AppKind.EXEC;
        return Optional.of(new AppRelease(kind, r.ver(), Optional.ofNullable(r.entry()), banks.imagePath(bank),
                banks.bankDir(bank)));
    }

    /** Runs {@code work} on its own thread and waits at most {@code limit}; a late one is interrupted and left. */
    private static <T> T bounded(String name, Duration limit, Callable<T> work)
            throws TimeoutException, ExecutionException, InterruptedException {
        FutureTask<T> task = new FutureTask<>(work);
        Thread.ofPlatform().name("reizi-" + name).daemon().start(task);
        try {
            return task.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            task.cancel(true);
            throw e;
        } catch (InterruptedException e) {
            task.cancel(true);
            throw e;
        }
    }
}
