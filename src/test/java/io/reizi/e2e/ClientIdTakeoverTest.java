package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.mqtt.client.MqttSession;
import io.reizi.agent.mqtt.client.Qos;
import io.reizi.agent.mqtt.client.SessionListener;
import io.reizi.agent.mqtt.client.SessionOptions;
import io.reizi.agent.mqtt.client.Subscription;
import io.reizi.agent.tls.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production broker config on a real Mosquitto with two device certificates: device A, whose certificate
 * is valid, connects with B's client id. The broker must use the certificate's identity as the client id
 * (use_username_as_clientid), so B is neither kicked off nor loses the chunks queued in its session, and A
 * still reads only its own topics.
 */
class ClientIdTakeoverTest {
    @TempDir
    Path dir;

    /** Records what a client receives and whether the broker dropped it. */
    static final class Recorder implements SessionListener {
        final List<String> got = new CopyOnWriteArrayList<>();
        final List<String> dropped = new CopyOnWriteArrayList<>();

        @Override
        public void disconnected(String reason) {
            dropped.add(reason);
        }

        @Override
        public void message(String topic, byte[] payload, boolean retained) {
            got.add(topic + " " + new String(payload));
        }
    }

    static MqttSession connect(String url, TlsFiles tls, String clientId, boolean cleanStart, Recorder r) throws Exception {
        MqttSession c = MqttSession.create(SessionOptions.builder(url, clientId)
                .connectTimeout(Duration.ofSeconds(5))
                .tls(Optional.of(tls.socketFactory()))
                .cleanStart(cleanStart)
                .sessionExpiry(Duration.ofSeconds(3600))
                .build(), r);
        c.connect(Duration.ofSeconds(10));
        return c;
    }

    static void subscribe(MqttSession c, String topic) throws Exception {
        c.subscribe(List.of(new Subscription(topic, Qos.AT_LEAST_ONCE))).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    static void publish(MqttSession c, String topic, String payload) throws Exception {
        c.publish(topic, payload.getBytes(), Qos.AT_LEAST_ONCE, false).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    static void disconnect(MqttSession c) throws Exception {
        c.disconnect(Duration.ofSeconds(5), false);
        c.close();
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(50);
    }

    @Test
    void aValidCertificateCannotTakeAnotherDevicesClientIdOrSession() throws Exception {
        Path certs = dir.resolve("certs");
        FleetCerts.issue(certs, List.of("publisher", "devA", "devB"));
        Path acl = Files.copy(Repo.root().resolve("broker-config/acl"), dir.resolve("reizi.acl"));
        Path aclLocal = Files.copy(Repo.root().resolve("broker-config/acl-local"), dir.resolve("reizi-local.acl"));
        try (Mosquitto broker = Mosquitto.startProduction(Files.createDirectories(dir.resolve("broker")), certs, acl, aclLocal)) {
            String url = broker.url().replace("tcp://127.0.0.1", "ssl://localhost");
            Recorder b = new Recorder();
            MqttSession devB = connect(url, TlsBrokerTest.tls(certs, "devB"), "devB", true, b);
            subscribe(devB, "ota/firmware/devB/chunk");
            MqttSession publisher = connect(url, TlsBrokerTest.tls(certs, "publisher"), "publisher", true, new Recorder());

            // A connects claiming B's client id with a clean start: B stays connected.
            Recorder a = new Recorder();
            MqttSession devA = connect(url, TlsBrokerTest.tls(certs, "devA"), "devB", true, a);
            subscribe(devA, "ota/firmware/devB/chunk");
            publish(publisher, "ota/firmware/devB/chunk", "live");
            awaitTrue(() -> b.got.contains("ota/firmware/devB/chunk live"), Duration.ofSeconds(5));
            assertEquals(List.of(), b.dropped, "B was not kicked off");
            assertTrue(devB.isConnected());
            assertEquals(List.of("ota/firmware/devB/chunk live"), b.got);
            assertEquals(List.of(), a.got, "the ACL still keys on A's certificate: B's firmware is not A's to read");

            // B goes away with its session kept; chunks queue for it; A claims its id again with a clean start.
            disconnect(devB);
            disconnect(devA);
            for (int seq = 0; seq < 5; seq++) {
                publish(publisher, "ota/firmware/devB/chunk", "queued " + seq);
            }
            MqttSession again = connect(url, TlsBrokerTest.tls(certs, "devA"), "devB", true, new Recorder());
            disconnect(again);
            Recorder b2 = new Recorder();
            MqttSession devBAgain = connect(url, TlsBrokerTest.tls(certs, "devB"), "devB", false, b2);
            awaitTrue(() -> b2.got.size() >= 5, Duration.ofSeconds(5));
            assertEquals(List.of("ota/firmware/devB/chunk queued 0", "ota/firmware/devB/chunk queued 1",
                    "ota/firmware/devB/chunk queued 2", "ota/firmware/devB/chunk queued 3", "ota/firmware/devB/chunk queued 4"),
                    b2.got, "B's queued chunks survived A's clean start under B's client id");
            for (MqttSession c : List.of(devBAgain, publisher)) disconnect(c);
        }
    }
}
