package io.reizi.e2e;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

/** A hand-driven publisher for tests that send what the real one never would: bad manifests, bad chunks. */
final class RawMqtt implements AutoCloseable {
    static final CBORMapper CBOR = new CBORMapper();
    private final MqttClient client;

    RawMqtt(String broker) throws MqttException {
        client = new MqttClient(broker, "raw-" + UUID.randomUUID().toString().substring(0, 8), new MemoryPersistence());
        client.connect(new MqttConnectionOptions());
    }

    void manifest(String target, byte[] cose) throws MqttException {
        client.publish("ota/firmware/" + target + "/manifest", cose, 1, true);
    }

    /** The chunk index of contract 1.1, retained like the manifest. */
    void index(String target, byte[] cbor) throws MqttException {
        client.publish("ota/firmware/" + target + "/index", cbor, 1, true);
    }

    void chunk(String target, byte[] cbor) throws MqttException {
        publish("ota/firmware/" + target + "/chunk", cbor);
    }

    /** Sends chunks {@code from} (inclusive) to {@code to} (exclusive) of {@code image}, well formed, in order. */
    void chunks(String target, long ver, byte[] image, int chunkSize, int from, int to) throws MqttException {
        for (int seq = from; seq < to; seq++) {
            byte[] data = java.util.Arrays.copyOfRange(image, seq * chunkSize, Math.min(image.length, (seq + 1) * chunkSize));
            chunk(target, io.reizi.ota.wire.ChunkCodec.encode(io.reizi.ota.wire.ChunkCodec.of(ver, seq, data)));
        }
    }

    /** QoS 1; when Paho says its in-flight window is full (it can lag behind PUBACKs under load), try again. */
    private void publish(String topic, byte[] payload) throws MqttException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try {
                client.publish(topic, payload, 1, false);
                return;
            } catch (MqttException e) {
                if (e.getReasonCode() != 32202 /* Paho: too many publishes in progress */ || System.currentTimeMillis() > deadline) throw e;
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
    public void close() throws MqttException {
        client.disconnectForcibly(100, 100);
        client.close(true);
    }
}
