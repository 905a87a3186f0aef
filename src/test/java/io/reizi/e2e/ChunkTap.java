package io.reizi.e2e;

import io.reizi.ota.wire.ChunkCodec;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;

/**
 * Counts what a publisher sends: every chunk message on {@code ota/firmware/+/chunk}, per target and seq, as
 * the broker forwards it. {@link #mark} splits the count at a moment (a power cut) so a test can ask which
 * chunks were sent again after it.
 */
final class ChunkTap implements AutoCloseable {
    private final MqttClient client;
    private final Map<String, Map<Integer, Integer>> sends = new HashMap<>();
    private final Map<String, Map<Integer, Integer>> atMark = new HashMap<>();

    ChunkTap(String broker) throws MqttException {
        client = new MqttClient(broker, "tap-" + UUID.randomUUID().toString().substring(0, 8), new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setReceiveMaximum(1000);
        client.connect(o);
        // The (topic, qos, listener) overload of Paho's MqttClient calls itself for ever: the array one works.
        client.subscribe(new MqttSubscription[] {new MqttSubscription("ota/firmware/+/chunk", 1)},
                new IMqttMessageListener[] {this::chunk});
    }

    /** Remembers the counts of {@code target} now. */
    synchronized void mark(String target) {
        atMark.put(target, new HashMap<>(sends.getOrDefault(target, Map.of())));
    }

    /** The chunks of {@code target} sent since its {@link #mark}. */
    synchronized BitSet sentSinceMark(String target) {
        BitSet since = new BitSet();
        Map<Integer, Integer> before = atMark.getOrDefault(target, Map.of());
        sends.getOrDefault(target, Map.of()).forEach((seq, n) -> {
            if (n > before.getOrDefault(seq, 0)) since.set(seq);
        });
        return since;
    }

    synchronized int total(String target) {
        return sends.getOrDefault(target, Map.of()).values().stream().mapToInt(Integer::intValue).sum();
    }

    private void chunk(String topic, MqttMessage message) throws Exception {
        String target = topic.split("/")[2];
        int seq = (int) ChunkCodec.decode(message.getPayload()).seq();
        synchronized (this) {
            sends.computeIfAbsent(target, t -> new HashMap<>()).merge(seq, 1, Integer::sum);
        }
    }

    @Override
    public void close() throws MqttException {
        client.disconnect();
        client.close();
    }
}
