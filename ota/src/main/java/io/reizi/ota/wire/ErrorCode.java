package io.reizi.ota.wire;

import java.util.Locale;

/** The `error` values of the status message, as the wire contract spells them. */
public enum ErrorCode {
    BAD_SIGNATURE, UNTRUSTED_KEY, ROLLBACK_REFUSED, HW_MISMATCH, EXPIRED, TOO_LARGE, NO_SPACE,
    MALFORMED, IMAGE_HASH_MISMATCH, SWITCH_FAILED, HEALTH_CHECK_FAILED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
