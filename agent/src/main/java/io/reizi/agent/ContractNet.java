package io.reizi.agent;

import io.reizi.ota.wire.NetHealth;
import io.reizi.watchdog.NetworkHealth;

/** The watchdog's view of the link as the status's {@code net} says it (the watchdog does not depend on ota). */
public final class ContractNet {
    private ContractNet() {}

    public static NetHealth of(NetworkHealth.Net net) {
        return switch (net) {
            case GOOD -> NetHealth.GOOD;
            case DEGRADED -> NetHealth.DEGRADED;
            case DOWN -> NetHealth.DOWN;
        };
    }
}
