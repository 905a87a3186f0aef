package io.reizi.agent;

import io.reizi.ota.wire.ErrorCode;
import java.util.Locale;

/**
 * Where an update is. Each phase is written to the {@link UpdateJournal} before the step that depends on it
 * acts, so that {@link Recovery} can tell after a power cut where to resume. The phases from {@link Verifying}
 * to {@link RollingBack} run on the update worker, never on an MQTT thread.
 */
sealed interface Phase {
    /** How a phase is spelled in the journal. */
    enum Name {
        IDLE, DOWNLOADING, VERIFYING, STAGED, SWITCHING, TRIAL, COMMITTING, ROLLING_BACK;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Name parse(String wire) {
            return valueOf(wire.toUpperCase(Locale.ROOT));
        }
    }

    /** How a trial begins: just switched to (hot swap), after an agent restart, or at the next boot. */
    enum TrialStart { SWITCHED, RESTARTED, AFTER_REBOOT }

    /** The release the phase is about; 0 when idle. */
    long ver();

    default Name name() {
        return switch (this) {
            case Idle i -> Name.IDLE;
            case Downloading d -> Name.DOWNLOADING;
            case Verifying v -> Name.VERIFYING;
            case Staged s -> Name.STAGED;
            case Switching s -> Name.SWITCHING;
            case Trial t -> Name.TRIAL;
            case Committing c -> Name.COMMITTING;
            case RollingBack r -> Name.ROLLING_BACK;
        };
    }

    /** True for the phases the update worker runs through without waiting for a message. */
    default boolean onWorker() {
        return switch (this) {
            case Idle i -> false;
            case Downloading d -> false;
            case Trial t -> t.start() != TrialStart.AFTER_REBOOT;
            default -> true;
        };
    }

    record Idle() implements Phase {
        public long ver() {
            return 0;
        }
    }

    /** Chunks go to the inactive bank's staging file; {@code download.cose} and the bitmap record it. */
    record Downloading(long ver) implements Phase {}

    /** Every chunk is on disk; the whole image is hashed, then promoted to the bank's image. */
    record Verifying(long ver) implements Phase {}

    /** The verified image and its signed manifest are the inactive bank's; nothing is fetched again. */
    record Staged(long ver) implements Phase {}

    /** The state file and the bank pointer are being turned to the staged bank. */
    record Switching(long ver) implements Phase {}

    /** The active release is on trial (the state file says so too, with its restart count). */
    record Trial(long ver, TrialStart start) implements Phase {}

    /** The trial passed; the commit is being recorded (bootloader, runtime, state file). */
    record Committing(long ver) implements Phase {}

    /** The trial failed; the previous bank is being made active again. The reason goes into the status. */
    record RollingBack(long ver, ErrorCode code, String reason) implements Phase {}
}
