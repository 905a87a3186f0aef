package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publisher;
import io.reizi.agent.tls.Certs;
import io.reizi.agent.tls.TlsFiles;
import io.reizi.ota.wire.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production broker config (mutual TLS, identity = certificate CN, per-device ACLs) on a real Mosquitto,
 * with certificates from {@code reizi certs}' code: a full update over TLS, and everything the broker must refuse.
 */
class TlsBrokerTest {
    @TempDir
    Path dir;

    @Test
    void mutualTlsUpdatesAndTheBrokerKeepsDevicesApart() throws Exception {
        Path certs = dir.resolve("certs");
        Certs.Issued ca = FleetCerts.issue(certs, List.of("publisher", "dev1", "dev2"));
        Certs.write(certs, "expired", Certs.leaf(ca, "dev1", List.of(), false, Instant.now().minus(Duration.ofDays(10)), Duration.ofDays(1)));
        Certs.write(certs, "stranger", Certs.leaf(Certs.ca("other CA", Duration.ofDays(30)), "dev1", List.of(), false,
                Instant.now(), Duration.ofDays(30)));
        Path acl = Files.writeString(dir.resolve("reizi.acl"), Files.readString(Repo.root().resolve("broker-config/acl"))
                + "\nuser dev1\ntopic read ota/firmware/lab/#\n");
        Path aclLocal = Files.copy(Repo.root().resolve("broker-config/acl-local"), dir.resolve("reizi-local.acl"));

        try (Mosquitto broker = Mosquitto.startProduction(Files.createDirectories(dir.resolve("broker")), certs, acl, aclLocal)) {
            String url = broker.url().replace("tcp://127.0.0.1", "ssl://localhost");
            TlsFiles publisherTls = tls(certs, "publisher");
            Path trust = Files.createDirectories(dir.resolve("trust"));
            io.reizi.ota.crypto.Keys.SigningKey key = io.reizi.ota.crypto.Keys.generate(io.reizi.ota.crypto.Keys.Alg.ED25519);
            Files.writeString(trust.resolve("release.pub"), io.reizi.ota.crypto.Keys.publicPem(key.publicKey()));

            Path log = TestBed.logs().resolve("tls-dev1.log");
            try (AgentProcess agent = new AgentProcess("dev1", url, dir.resolve("dev1"), trust, log, "--group", "lab",
                    "--ca", certs.resolve("ca.crt").toString(), "--cert", certs.resolve("dev1.crt").toString(),
                    "--key", certs.resolve("dev1.key").toString()).start().awaitReady()) {
                Path image = Files.write(dir.resolve("fw.img"), new byte[300_000]);
                new java.util.Random(7).nextBytes(Files.readAllBytes(image));
                Publisher.Release release = new Publisher.Release(url, Optional.of(publisherTls), "dev1", false, Set.of(),
                        image, 1, Kind.IMAGE, key, Optional.empty(), Optional.empty(), 8192, Optional.empty(),
                        Optional.empty(), Duration.ofSeconds(60), "ota/firmware", "/ota/status", 32);
                Publisher.Outcome outcome;
                try (Publisher p = new Publisher(release)) {
                    outcome = p.run(s -> {});
                }
                assertTrue(outcome.success(), outcome.summary());
                assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(dir.resolve("dev1/current/image")));
            }

            // dev1's certificate: its own topics and its group's are delivered, another device's are not, and
            // what it writes to another device's status or to firmware topics never reaches anyone.
            // (Mosquitto 2.0 grants a denied subscription and drops the messages, so this checks delivery.)
            MqttAsyncClient dev1 = connect(url, tls(certs, "dev1"));
            MqttAsyncClient publisher = connect(url, publisherTls);
            java.util.List<String> dev1Got = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.List<String> publisherGot = new java.util.concurrent.CopyOnWriteArrayList<>();
            org.eclipse.paho.mqttv5.client.IMqttMessageListener toDev1 = (topic, m) -> dev1Got.add(topic);
            org.eclipse.paho.mqttv5.client.IMqttMessageListener toPublisher = (topic, m) -> publisherGot.add(topic);
            dev1.subscribe(new MqttSubscription[] {new MqttSubscription("ota/firmware/#", 1)}, null, null,
                    new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {toDev1},
                    new org.eclipse.paho.mqttv5.common.packet.MqttProperties()).waitForCompletion(5000);
            publisher.subscribe(new MqttSubscription[] {new MqttSubscription("/ota/status/#", 1),
                    new MqttSubscription("ota/firmware/#", 1)}, null, null,
                    new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {toPublisher, toPublisher},
                    new org.eclipse.paho.mqttv5.common.packet.MqttProperties()).waitForCompletion(5000);
            for (String target : List.of("dev1", "lab", "dev2")) {
                publisher.publish("ota/firmware/" + target + "/chunk", new byte[] {1}, 1, false).waitForCompletion(5000);
            }
            dev1.publish("/ota/status/dev2", "{\"forged\":true}".getBytes(), 1, false).waitForCompletion(5000);
            dev1.publish("ota/firmware/dev2/manifest", new byte[] {1}, 1, false).waitForCompletion(5000);
            dev1.publish("/ota/status/dev1", "{}".getBytes(), 1, false).waitForCompletion(5000);
            Thread.sleep(500);
            assertTrue(dev1Got.contains("ota/firmware/dev1/chunk") && dev1Got.contains("ota/firmware/lab/chunk"), dev1Got.toString());
            assertTrue(!dev1Got.contains("ota/firmware/dev2/chunk"), "dev1 cannot read dev2's firmware: " + dev1Got);
            assertTrue(publisherGot.contains("/ota/status/dev1"), publisherGot.toString());
            assertTrue(!publisherGot.contains("/ota/status/dev2"), "dev1 cannot write dev2's status: " + publisherGot);
            assertTrue(!publisherGot.contains("ota/firmware/dev2/manifest"), "a device cannot publish firmware");
            for (MqttAsyncClient c : List.of(dev1, publisher)) {
                c.disconnect().waitForCompletion(2000);
                c.close();
            }

            assertThrows(MqttException.class, () -> connect(url, new TlsFiles(certs.resolve("ca.crt"), Optional.empty(), Optional.empty())),
                    "no client certificate: refused");
            assertThrows(MqttException.class, () -> connect(url, tls(certs, "expired")), "expired certificate: refused");
            assertThrows(MqttException.class, () -> connect(url, tls(certs, "stranger")), "certificate of another CA: refused");
            assertThrows(MqttException.class, () -> connect(broker.url(), null), "no plain TCP on the fleet port");
        }
    }

    static TlsFiles tls(Path certs, String name) {
        return new TlsFiles(certs.resolve("ca.crt"), Optional.of(certs.resolve(name + ".crt")), Optional.of(certs.resolve(name + ".key")));
    }

    static MqttAsyncClient connect(String url, TlsFiles tls) throws Exception {
        MqttAsyncClient c = new MqttAsyncClient(url, "t-" + UUID.randomUUID().toString().substring(0, 8), new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setConnectionTimeout(5);
        if (tls != null) o.setSocketFactory(tls.socketFactory());
        try {
            c.connect(o).waitForCompletion(10_000);
            // A refused certificate can also show up as the broker closing the link right after the handshake.
            IMqttToken t = c.subscribe("/ota/status/none", 0);
            t.waitForCompletion(3000);
            return c;
        } catch (MqttException e) {
            c.close(true);
            throw e;
        }
    }

}
