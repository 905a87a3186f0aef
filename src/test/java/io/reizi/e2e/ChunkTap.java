package io.reizi.e2e;

import io.reizi.agent.mqtt.client.MqttSession;
import io.reizi.agent.mqtt.client.Qos;
import io.reizi.agent.mqtt.client.SessionListener;
import io.reizi.agent.mqtt.client.SessionOptions;
import io.reizi.agent.mqtt.client.Subscription;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.Topics;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Counts what a publisher sends: every chunk message on {@code ota/firmware/+/chunk}, per target and seq, as
 * the broker forwards it. {@link #mark} splits the count at a moment (a power cut) so a test can ask which
 * chunks were sent again after it.
 */
final class ChunkTap implements SessionListener, AutoCloseable {
    private final MqttSession session;
    private final Map<String, Map<Integer, Integer>> sends = new HashMap<>();
    private final Map<String, Map<Integer, Integer>> atMark = new HashMap<>();

    ChunkTap(String broker) throws Exception {
        session = MqttSession.create(SessionOptions.builder(broker, "tap-" + UUID.randomUUID().toString().substring(0, 8))
                .cleanStart(true).receiveMaximum(1000).build(), this);
        session.connect(Duration.ofSeconds(30));
        session.subscribe(List.of(new Subscription(Topics.defaults().anyChunk(), Qos.AT_LEAST_ONCE))).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
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

    @Override
    public void message(String topic, byte[] payload, boolean retained) {
        String target = topic.split("/")[2];
        int seq;
        try {
            seq = (int) ChunkCodec.decode(payload).seq();
        } catch (Exception e) {
            throw new IllegalStateException("the tap cannot read a chunk on " + topic, e);
        }
        synchronized (this) {
            sends.computeIfAbsent(target, t -> new HashMap<>()).merge(seq, 1, Integer::sum);
        }
    }

    @Override
    public void close() throws Exception {
        session.disconnect(Duration.ofSeconds(30), false);
        session.close();
    }
}
