package io.reizi.agent.mqtt.client;

import java.util.Objects;

/** The message the broker publishes for a client whose connection ends without an orderly disconnect. */
public record Will(String topic, byte[] payload, Qos qos, boolean retained) {
    public Will {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(qos, "qos");
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }
}
