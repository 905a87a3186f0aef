package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.tls.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
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
    static final class Recorder implements MqttCallback {
        final List<String> got = new CopyOnWriteArrayList<>();
        final List<String> dropped = new CopyOnWriteArrayList<>();

        @Override
        public void disconnected(MqttDisconnectResponse r) {
            dropped.add(String.valueOf(r.getReasonString()) + " (" + r.getReturnCode() + ")");
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {}

        @Override
        public void messageArrived(String topic, MqttMessage m) {
            got.add(topic + " " + new String(m.getPayload()));
        }

        @Override
        public void deliveryComplete(IMqttToken t) {}

        @Override
        public void connectComplete(boolean reconnect, String uri) {}

        @Override
        public void authPacketArrived(int reason, MqttProperties p) {}
    }

    static MqttAsyncClient connect(String url, TlsFiles tls, String clientId, boolean cleanStart, Recorder r) throws Exception {
        MqttAsyncClient c = new MqttAsyncClient(url, clientId, new MemoryPersistence());
        c.setCallback(r);
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setConnectionTimeout(5);
        o.setSocketFactory(tls.socketFactory());
        o.setCleanStart(cleanStart);
        o.setSessionExpiryInterval(3600L);
        c.connect(o).waitForCompletion(10_000);
        return c;
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
            MqttAsyncClient devB = connect(url, TlsBrokerTest.tls(certs, "devB"), "devB", true, b);
            devB.subscribe("ota/firmware/devB/chunk", 1).waitForCompletion(5000);
            MqttAsyncClient publisher = connect(url, TlsBrokerTest.tls(certs, "publisher"), "publisher", true, new Recorder());

            // A connects claiming B's client id with a clean start: B stays connected.
            Recorder a = new Recorder();
            MqttAsyncClient devA = connect(url, TlsBrokerTest.tls(certs, "devA"), "devB", true, a);
            devA.subscribe("ota/firmware/devB/chunk", 1).waitForCompletion(5000);
            publisher.publish("ota/firmware/devB/chunk", "live".getBytes(), 1, false).waitForCompletion(5000);
            awaitTrue(() -> b.got.contains("ota/firmware/devB/chunk live"), Duration.ofSeconds(5));
            assertEquals(List.of(), b.dropped, "B was not kicked off");
            assertTrue(devB.isConnected());
            assertEquals(List.of("ota/firmware/devB/chunk live"), b.got);
            assertEquals(List.of(), a.got, "the ACL still keys on A's certificate: B's firmware is not A's to read");

            // B goes away with its session kept; chunks queue for it; A claims its id again with a clean start.
            devB.disconnect().waitForCompletion(5000);
            devB.close();
            devA.disconnect().waitForCompletion(5000);
            devA.close();
            for (int seq = 0; seq < 5; seq++) {
                publisher.publish("ota/firmware/devB/chunk", ("queued " + seq).getBytes(), 1, false).waitForCompletion(5000);
            }
            MqttAsyncClient again = connect(url, TlsBrokerTest.tls(certs, "devA"), "devB", true, new Recorder());
            again.disconnect().waitForCompletion(5000);
            again.close();
            Recorder b2 = new Recorder();
            MqttAsyncClient devBAgain = connect(url, TlsBrokerTest.tls(certs, "devB"), "devB", false, b2);
            awaitTrue(() -> b2.got.size() >= 5, Duration.ofSeconds(5));
            assertEquals(List.of("ota/firmware/devB/chunk queued 0", "ota/firmware/devB/chunk queued 1",
                    "ota/firmware/devB/chunk queued 2", "ota/firmware/devB/chunk queued 3", "ota/firmware/devB/chunk queued 4"),
                    b2.got, "B's queued chunks survived A's clean start under B's client id");
            for (MqttAsyncClient c : List.of(devBAgain, publisher)) {
                c.disconnect().waitForCompletion(5000);
                c.close();
            }
        }
    }
}
