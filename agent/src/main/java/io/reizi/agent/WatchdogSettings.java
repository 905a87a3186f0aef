package io.reizi.agent;

import java.time.Duration;
import java.util.Optional;

/** The watchdogs to keep fed and the panic policy's numbers (see README "Watchdogs and panic recovery"). */
public record WatchdogSettings(
        Optional<String> device,
        Optional<Duration> preTimeout,
        Optional<String> serialPort,
        int serialBaud,
        Duration normalTimeout,
        Duration extendedTimeout,
        Duration recoveryWindow,
        Duration heartbeatTimeout,
        Duration diskTimeout,
        int crashLoopExits,
        Duration crashLoopWindow,
        Duration stallIntervalDegraded,
        Optional<String> injectFault) {

    public WatchdogSettings {
        if (extendedTimeout.compareTo(normalTimeout) < 0) {
            throw new IllegalArgumentException("watchdog-extended must not be shorter than watchdog-timeout");
        }
        if (crashLoopExits < 1) throw new IllegalArgumentException("crash-loop-exits must be at least 1");
    }
}
