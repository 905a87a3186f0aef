package io.reizi.agent.mqtt.client.paho;

import io.reizi.agent.Log;
import java.lang.reflect.Field;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.internal.MqttConnectionState;

/**
 * Works around a Paho v5 1.2.5 bug (eclipse-paho/paho.mqtt.java#916): when the broker allows topic aliases,
 * Paho replaces the topic of repeated publishes by an alias and drops the topic name from the stored message.
 * A QoS 1 status still unacknowledged when the link drops is then resent on the next connection with no
 * topic and an alias the new connection never defined; Mosquitto answers with a protocol error, and the
 * persistent session reconnects into the same error forever. Status topics are short: no aliases at all.
 */
final class OutgoingTopicAliases {
    private OutgoingTopicAliases() {}

    /** Call from connectComplete: Paho has just taken the broker's Topic Alias Maximum from the CONNACK. */
    static void disable(MqttAsyncClient client) {
        try {
            Field f = MqttAsyncClient.class.getDeclaredField("mqttConnection");
            f.setAccessible(true);
            ((MqttConnectionState) f.get(client)).setOutgoingTopicAliasMaximum(0);
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.warn("cannot turn off outgoing topic aliases (" + e + "); a broker restart may need an agent restart");
        }
    }
}
