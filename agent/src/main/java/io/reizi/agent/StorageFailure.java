package io.reizi.agent;

import io.reizi.ota.wire.ErrorCode;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.Locale;

/**
 * What an I/O failure in the data dir or a bank means for the update, and the status {@code error} it is
 * reported with (the contract's list is fixed; the mapping is in {@code docs/update-phases.md}).
 */
record StorageFailure(Kind kind, ErrorCode code, String detail) {
    /**
     * {@code REFUSED}: the storage says no and will say it again (full, read-only, no permission): the update
     * waits with its chunks kept. {@code FAULT}: anything else (EIO...): the data dir may be failing, a panic.
     */
    enum Kind { REFUSED, FAULT }

    /** The step decides the code: before the switch the bank cannot take the image; from the switch on, the switch failed. */
    enum Step {
        STORING(ErrorCode.NO_SPACE), VERIFYING(ErrorCode.NO_SPACE), SWITCHING(ErrorCode.SWITCH_FAILED),
        COMMITTING(ErrorCode.SWITCH_FAILED), ROLLING_BACK(ErrorCode.SWITCH_FAILED);

        final ErrorCode code;

        Step(ErrorCode code) {
            this.code = code;
        }
    }

    static StorageFailure of(Step step, String what, IOException e) {
        String cause = cause(e);
        return new StorageFailure(refused(e) ? Kind.REFUSED : Kind.FAULT, step.code, what + ": " + cause);
    }

    /** ENOSPC, EDQUOT, EROFS, EACCES/EPERM: the OS's own words are in the message (Java has no errno). */
    static boolean refused(IOException e) {
        if (e instanceof AccessDeniedException) return true;
        String m = String.valueOf(e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage())
                .toLowerCase(Locale.ROOT);
        return m.contains("no space left") || m.contains("disk quota") || m.contains("read-only file system")
                || m.contains("permission denied") || m.contains("operation not permitted");
    }

    private static String cause(IOException e) {
        if (e instanceof FileSystemException f) {
            return (f.getReason() != null ? f.getReason() : e.getClass().getSimpleName()) + " (" + f.getFile() + ")";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
