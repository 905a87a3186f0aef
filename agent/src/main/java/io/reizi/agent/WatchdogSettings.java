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
        int crashLoopExits,
        Duration crashLoopWindow,
        Duration stallIntervalDegraded,
        Optional<String> injectFault) {

    public static WatchdogSettings defaults() {
        return new WatchdogSettings(Optional.empty(), Optional.empty(), Optional.empty(), 115200, Duration.ofSeconds(1),
                Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofMillis(1500), 3, Duration.ofMinutes(10),
                Duration.ofSeconds(3), Optional.empty());
    }

    public WatchdogSettings {
        if (extendedTimeout.compareTo(normalTimeout) < 0) {
            throw new IllegalArgumentException("watchdog-extended must not be shorter than watchdog-timeout");
        }
        if (crashLoopExits < 1) throw new IllegalArgumentException("crash-loop-exits must be at least 1");
    }
}
