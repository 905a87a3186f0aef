package io.reizi.agent;

import io.reizi.ota.wire.Bank;
import io.reizi.ota.bank.BankBackend;
import io.reizi.ota.bank.Release;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.runtime.AppFailure;
import io.reizi.runtime.AppRelease;
import io.reizi.runtime.AppRuntime;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Whether the release just switched to proves healthy: an {@code image} runs the health command if one is
 * configured; a {@code jar} or {@code exec} is hot-swapped in (or, after a restart, started) and must report
 * healthy within the trial window. Committing or rolling back is the {@link Updater}'s.
 */
final class TrialProbe {
    /** A failure to roll back for, if any, and the hot-swap window when an app was swapped in. */
    /** The trial's verdict: empty when healthy, else why and the error code the rollback reports. */
    record Outcome(Optional<Failure> failure, Double swapMs) {}

    record Failure(ErrorCode code, String detail) {
        static Failure unhealthy(String detail) {
            return new Failure(ErrorCode.HEALTH_CHECK_FAILED, detail);
        }
    }

    private final TrialSettings trial;
    private final BankBackend banks;
    private final AppRuntime runtime;

    TrialProbe(TrialSettings trial, BankBackend banks, AppRuntime runtime) {
        this.trial = trial;
        this.banks = banks;
        this.runtime = runtime;
    }

    /** {@code running} is told once the trial has started (with the swap window of an app, null otherwise). */
    Outcome run(Release release, Bank active, Optional<AppRelease> app, boolean afterRestart, Consumer<Double> running) {
        return app.isPresent() ? ofApp(app.get(), afterRestart, running) : ofImage(release, active, running);
    }

    private Outcome ofImage(Release release, Bank active, Consumer<Double> running) {
        running.accept(null);
        if (trial.healthCmd().isEmpty()) return new Outcome(Optional.empty(), null);
        Path image = banks.imagePath(active);
        HealthCheck.Result result = HealthCheck.run(trial.healthCmd().get(), trial.window(), Map.of(
                "REIZI_IMAGE", image.toString(),
                "REIZI_VER", Long.toString(release.ver()),
                "REIZI_BANK", active.wire()));
        Log.info("trial of ver=" + release.ver() + ": " + result.detail());
        return new Outcome(result.healthy() ? Optional.empty() : Optional.of(Failure.unhealthy(result.detail())), null);
    }

    private Outcome ofApp(AppRelease app, boolean afterRestart, Consumer<Double> running) {
        Double swapMs = null;
        try {
            if (afterRestart) {
                runtime.start(app, Optional.empty());
            } else {
                swapMs = runtime.swapTo(app).interruptionMs();
            }
            running.accept(swapMs);
            if (!runtime.awaitHealthy(trial.window())) {
                return new Outcome(Optional.of(Failure.unhealthy(app.name() + " did not report healthy within "
                        + trial.window().toMillis() + " ms")), swapMs);
            }
            return new Outcome(Optional.empty(), swapMs);
        } catch (AppFailure e) {
            ErrorCode code = e.kind() == AppFailure.Kind.MALFORMED_RELEASE ? ErrorCode.MALFORMED : ErrorCode.HEALTH_CHECK_FAILED;
            return new Outcome(Optional.of(new Failure(code, e.getMessage())), swapMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(Optional.of(Failure.unhealthy("trial interrupted")), swapMs);
        }
    }
}
