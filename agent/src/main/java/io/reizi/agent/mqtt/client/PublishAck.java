package io.reizi.agent.mqtt.client;

/** The broker's answer to a publish (MQTT 5 PUBACK reason code; 0 for QoS 0, which has no answer). */
public record PublishAck(int reasonCode) {
    /** Reason codes below 0x80 are successes (0x10: accepted, nobody subscribed). */
    public boolean accepted() {
        return reasonCode < 0x80;
    }
}
