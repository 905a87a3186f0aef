package io.reizi.agent;

import java.time.Duration;
import java.util.Optional;

/**
 * The watchdogs to keep fed (hardware, serial; systemd's is found in the environment) and their timeouts
 * (see README "Watchdogs and panic recovery"). What the agent does when something panics is {@link PanicSettings}.
 */
public record WatchdogSettings(
        Optional<String> device,
        Optional<Duration> preTimeout,
        Optional<String> serialPort,
        int serialBaud,
        Duration normalTimeout,
        Duration extendedTimeout) {

    public WatchdogSettings {
        if (extendedTimeout.compareTo(normalTimeout) < 0) {
            throw new IllegalArgumentException("watchdog-extended must not be shorter than watchdog-timeout");
        }
    }
}
