package io.reizi.agent;

import java.time.Duration;

/**
 * The panic policy's numbers (see README "Watchdogs and panic recovery"): what counts as stuck, how long a recovery
 * may take before the graceful exit, when repeated exits count as a crash loop, and the stall interval of a poor
 * network.
 */
public record PanicSettings(
        Duration recoveryWindow,
        Duration heartbeatTimeout,
        Duration diskTimeout,
        int crashLoopExits,
        Duration crashLoopWindow,
        Duration stallIntervalDegraded) {

    public PanicSettings {
        if (crashLoopExits < 1) throw new IllegalArgumentException("crash-loop-exits must be at least 1");
    }
}
