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

    /**
     * The phase's name in the journal. Each phase says it itself rather than a pattern switch over them: the
     * switch's bootstrap spins a class at the first call, which the AOT cache does not hold, on the start path.
     */
    Name name();

    /**
     * True for the phases the update worker runs through without waiting for a message. No default: a new
     * phase must say where it runs, as the pattern switch it replaced made every phase say.
     */
    boolean onWorker();

    record Idle() implements Phase {
        public long ver() {
            return 0;
        }

        public Name name() {
            return Name.IDLE;
        }

        public boolean onWorker() {
            return false;
        }
    }

    /** Chunks go to the inactive bank's staging file; {@code download.cose} and the bitmap record it. */
    record Downloading(long ver) implements Phase {
        public Name name() {
            return Name.DOWNLOADING;
        }

        public boolean onWorker() {
            return false;
        }
    }

    /** Every chunk is on disk; the whole image is hashed, then promoted to the bank's image. */
    record Verifying(long ver) implements Phase {
        public Name name() {
            return Name.VERIFYING;
        }

        public boolean onWorker() {
            return true;
        }
    }

    /** The verified image and its signed manifest are the inactive bank's; nothing is fetched again. */
    record Staged(long ver) implements Phase {
        public Name name() {
            return Name.STAGED;
        }

        public boolean onWorker() {
            return true;
        }
    }

    /** The state file and the bank pointer are being turned to the staged bank. */
    record Switching(long ver) implements Phase {
        public Name name() {
            return Name.SWITCHING;
        }

        public boolean onWorker() {
            return true;
        }
    }

    /** The active release is on trial (the state file says so too, with its restart count). */
    record Trial(long ver, TrialStart start) implements Phase {
        public Name name() {
            return Name.TRIAL;
        }

        /** A trial after a reboot waits for the reboot; the others are run by the worker. */
        public boolean onWorker() {
            return start != TrialStart.AFTER_REBOOT;
        }
    }

    /** The trial passed; the commit is being recorded (bootloader, runtime, state file). */
    record Committing(long ver) implements Phase {
        public Name name() {
            return Name.COMMITTING;
        }

        public boolean onWorker() {
            return true;
        }
    }

    /** The trial failed; the previous bank is being made active again. The reason goes into the status. */
    record RollingBack(long ver, ErrorCode code, String reason) implements Phase {
        public Name name() {
            return Name.ROLLING_BACK;
        }

        public boolean onWorker() {
            return true;
        }
    }
}
