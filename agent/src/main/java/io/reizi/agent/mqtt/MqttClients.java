package io.reizi.agent.mqtt;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

/** The one way Reizi makes a Paho client: in-memory persistence, and threads that start without Paho's sleeps. */
public final class MqttClients {
    private MqttClients() {}

    public static MqttAsyncClient create(String broker, String clientId) throws MqttException {
        return new MqttAsyncClient(broker, clientId, new MemoryPersistence(), null, new PromptStartExecutor());
    }
}
