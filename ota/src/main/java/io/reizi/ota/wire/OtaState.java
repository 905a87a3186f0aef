package io.reizi.ota.wire;

import java.util.Locale;

/** The `state` values of the status message, as the wire contract spells them. */
public enum OtaState {
    IDLE, DOWNLOADING, VERIFYING, STAGED, SWITCHING, TRIAL, COMMITTED, ROLLED_BACK, FAILED, RECOVERING, OFFLINE;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
