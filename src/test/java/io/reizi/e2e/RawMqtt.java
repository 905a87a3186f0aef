package io.reizi.e2e;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.reizi.agent.mqtt.client.MqttSession;
import io.reizi.agent.mqtt.client.MqttSessionException;
import io.reizi.agent.mqtt.client.PublishAck;
import io.reizi.agent.mqtt.client.Qos;
import io.reizi.agent.mqtt.client.SessionListener;
import io.reizi.agent.mqtt.client.SessionOptions;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.Sha256;
import io.reizi.ota.wire.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** A hand-driven publisher for tests that send what the real one never would: bad manifests, bad chunks. */
final class RawMqtt implements AutoCloseable {
    static final CBORMapper CBOR = new CBORMapper();
    private static final Topics TOPICS = Topics.defaults();
    private final MqttSession session;

    RawMqtt(String broker) throws MqttSessionException {
        session = MqttSession.create(SessionOptions.builder(broker, "raw-" + UUID.randomUUID().toString().substring(0, 8))
                .build(), new SessionListener() {});
        session.connect(Duration.ofSeconds(30));
    }

    /** Retained, and acknowledged by the broker before this returns. */
    void manifest(String target, byte[] cose) throws Exception {
        publish(TOPICS.manifest(target), cose, true).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** The chunk index of contract 1.1, retained like the manifest, and acknowledged before this returns. */
    void index(String target, byte[] cbor) throws Exception {
        publish(TOPICS.index(target), cbor, true).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** Acknowledged by the broker before this returns (the broker has it, whatever the test does next). */
    void chunk(String target, byte[] cbor) throws Exception {
        publish(TOPICS.chunk(target), cbor, false).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** A status as any client allowed on the device's status topic could send it: not retained, acknowledged. */
    void status(String device, String json) throws Exception {
        publish(TOPICS.status(device), json.getBytes(java.nio.charset.StandardCharsets.UTF_8), false).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    /** Sends chunks {@code from} (inclusive) to {@code to} (exclusive) of {@code image}, well formed, in order. */
    void chunks(String target, long ver, byte[] image, int chunkSize, int from, int to) throws Exception {
        for (int seq = from; seq < to; seq++) {
            byte[] data = java.util.Arrays.copyOfRange(image, seq * chunkSize, Math.min(image.length, (seq + 1) * chunkSize));
            chunk(target, io.reizi.ota.wire.ChunkCodec.encode(io.reizi.ota.wire.ChunkCodec.of(ver, seq, data)));
        }
    }

    /**
     * QoS 1; when the client says its in-flight window is full (chunks sent just before, or PUBACKs lagging under
     * load), try again. Its acknowledgement.
     */
    private CompletionStage<PublishAck> publish(String topic, byte[] payload, boolean retained)
            throws MqttSessionException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try {
                return session.publish(topic, payload, Qos.AT_LEAST_ONCE, retained);
            } catch (MqttSessionException e) {
                if (e.reason() != MqttSessionException.Reason.IN_FLIGHT_FULL || System.currentTimeMillis() > deadline) throw e;
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The manifest fields of an image, as a mutable map a test can spoil. */
    static Map<String, Object> fields(Path image, long ver, int chunk) throws Exception {
        byte[] bytes = Files.readAllBytes(image);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", 1);
        m.put("fw", "test-fw");
        m.put("ver", ver);
        m.put("kind", "image");
        m.put("size", bytes.length);
        m.put("chunk", chunk);
        m.put("count", (bytes.length + chunk - 1) / chunk);
        m.put("hash", Sha256.text(Sha256.digest(bytes)));
        return m;
    }

    static byte[] sign(Map<String, Object> fields, Keys.SigningKey key) throws Exception {
        return CoseSign1.sign(CBOR.writeValueAsBytes(fields), key);
    }

    @Override
    public void close() {
        session.close();
    }
}
