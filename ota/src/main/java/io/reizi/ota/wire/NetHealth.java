package io.reizi.ota.wire;

import java.util.Locale;

/** The `net` values of the status message, as the wire contract spells them: how the device's link is doing. */
public enum NetHealth {
    GOOD, DEGRADED, DOWN;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
