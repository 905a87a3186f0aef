package io.reizi.agent.mqtt.client;

import java.time.Duration;

/** Delays between connect attempts: {@code first}, doubling up to {@code max}. */
public record Backoff(Duration first, Duration max) {
    public Backoff {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= max, got " + first + ", " + max);
        }
    }
}
