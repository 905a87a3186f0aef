package io.reizi.agent.mqtt.client.paho;

import io.reizi.agent.mqtt.client.SessionOptions;
import io.reizi.agent.mqtt.client.Will;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/** {@link SessionOptions} in Paho's terms, with our buffered sockets under every connection. */
final class PahoOptions {
    private PahoOptions() {}

    static MqttConnectionOptions of(SessionOptions o) {
        MqttConnectionOptions p = new MqttConnectionOptions();
        p.setCleanStart(o.cleanStart());
        o.sessionExpiry().ifPresent(e -> p.setSessionExpiryInterval(e.toSeconds()));
        p.setKeepAliveInterval((int) o.keepAlive().toSeconds());
        o.receiveMaximum().ifPresent(p::setReceiveMaximum);
        o.maximumPacketSize().ifPresent(bytes -> p.setMaximumPacketSize((long) bytes));
        p.setConnectionTimeout((int) o.connectTimeout().toSeconds());
        p.setSocketFactory(o.tls().<javax.net.SocketFactory>map(BufferedSslSocketFactory::new)
                .orElseGet(BufferedSocketFactory::new));
        o.reconnect().ifPresent(b -> {
            p.setAutomaticReconnect(true);
            p.setAutomaticReconnectDelay((int) b.first().toSeconds(), (int) b.max().toSeconds());
        });
        o.will().ifPresent((Will w) -> p.setWill(w.topic(),
                new MqttMessage(w.payload(), w.qos().level(), w.retained(), new MqttProperties())));
        return p;
    }
}
