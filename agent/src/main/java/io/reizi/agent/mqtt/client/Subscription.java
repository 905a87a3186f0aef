package io.reizi.agent.mqtt.client;

import java.util.Objects;

/** A topic filter (wildcards allowed) and the QoS its messages are wanted at. */
public record Subscription(String topicFilter, Qos qos) {
    public Subscription {
        Objects.requireNonNull(topicFilter, "topicFilter");
        Objects.requireNonNull(qos, "qos");
    }
}
