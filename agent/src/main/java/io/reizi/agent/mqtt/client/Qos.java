package io.reizi.agent.mqtt.client;

/** MQTT's delivery guarantees (Reizi uses the first two). */
public enum Qos {
    AT_MOST_ONCE(0),
    AT_LEAST_ONCE(1),
    EXACTLY_ONCE(2);

    private final int level;

    Qos(int level) {
        this.level = level;
    }

    /** The number on the wire. */
    public int level() {
        return level;
    }
}
