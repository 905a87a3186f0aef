package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publication;
import io.reizi.agent.Publisher;
import io.reizi.agent.mqtt.client.MqttSession;
import io.reizi.agent.mqtt.client.MqttSessionException;
import io.reizi.agent.mqtt.client.PublishAck;
import io.reizi.agent.mqtt.client.Qos;
import io.reizi.agent.mqtt.client.SessionListener;
import io.reizi.agent.mqtt.client.SessionOptions;
import io.reizi.agent.mqtt.client.Subscription;
import io.reizi.agent.tls.Certs;
import io.reizi.agent.tls.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
                Publication release = Publication.builder(url, "dev1", image, 1, key).tls(Optional.of(publisherTls))
                        .chunk(8192).timeout(Duration.ofSeconds(60)).build();
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
            List<String> dev1Got = new CopyOnWriteArrayList<>();
            List<String> publisherGot = new CopyOnWriteArrayList<>();
            MqttSession dev1 = connect(url, tls(certs, "dev1"), dev1Got);
            MqttSession publisher = connect(url, publisherTls, publisherGot);
            dev1.subscribe(List.of(new Subscription("ota/firmware/#", Qos.AT_LEAST_ONCE))).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
            publisher.subscribe(List.of(new Subscription("/ota/status/#", Qos.AT_LEAST_ONCE),
                    new Subscription("ota/firmware/#", Qos.AT_LEAST_ONCE))).toCompletableFuture().get(5, TimeUnit.SECONDS);
            for (String target : List.of("dev1", "lab", "dev2")) {
                assertTrue(answer(publisher, "ota/firmware/" + target + "/chunk", new byte[] {1}).accepted());
            }
            assertEquals(0x87, answer(dev1, "/ota/status/dev2", "{\"forged\":true}".getBytes()).reasonCode(),
                    "another device's status: not authorized");
            assertEquals(0x87, answer(dev1, "ota/firmware/dev2/manifest", new byte[] {1}).reasonCode(),
                    "firmware topics: not authorized");
            assertTrue(answer(dev1, "/ota/status/dev1", "{}".getBytes()).accepted());
            Thread.sleep(500);
            assertTrue(dev1Got.contains("ota/firmware/dev1/chunk") && dev1Got.contains("ota/firmware/lab/chunk"), dev1Got.toString());
            assertTrue(!dev1Got.contains("ota/firmware/dev2/chunk"), "dev1 cannot read dev2's firmware: " + dev1Got);
            assertTrue(publisherGot.contains("/ota/status/dev1"), publisherGot.toString());
            assertTrue(!publisherGot.contains("/ota/status/dev2"), "dev1 cannot write dev2's status: " + publisherGot);
            assertTrue(!publisherGot.contains("ota/firmware/dev2/manifest"), "a device cannot publish firmware");
            for (MqttSession c : List.of(dev1, publisher)) {
                c.disconnect(Duration.ofSeconds(2), false);
                c.close();
            }

            List<String> none = new CopyOnWriteArrayList<>();
            assertThrows(MqttSessionException.class, () -> connect(url, new TlsFiles(certs.resolve("ca.crt"), Optional.empty(), Optional.empty()), none),
                    "no client certificate: refused");
            assertThrows(MqttSessionException.class, () -> connect(url, tls(certs, "expired"), none), "expired certificate: refused");
            assertThrows(MqttSessionException.class, () -> connect(url, tls(certs, "stranger"), none), "certificate of another CA: refused");
            assertThrows(MqttSessionException.class, () -> connect(broker.url(), null, none), "no plain TCP on the fleet port");
        }
    }

    static TlsFiles tls(Path certs, String name) {
        return new TlsFiles(certs.resolve("ca.crt"), Optional.of(certs.resolve(name + ".crt")), Optional.of(certs.resolve(name + ".key")));
    }

    /** QoS 1, waiting for the broker's PUBACK, whatever it says (Mosquitto answers 0x87 to what its ACL denies). */
    static PublishAck answer(MqttSession session, String topic, byte[] payload) throws Exception {
        CompletableFuture<PublishAck> answer = new CompletableFuture<>();
        session.publish(topic, payload, Qos.AT_LEAST_ONCE, false, answer::complete);
        return answer.get(5, TimeUnit.SECONDS);
    }

    /** A connected session whose messages' topics go to {@code got}; refused: the exception that says so. */
    static MqttSession connect(String url, TlsFiles tls, List<String> got) throws Exception {
        SessionListener listener = new SessionListener() {
            @Override
            public void message(String topic, byte[] payload, boolean retained) {
                got.add(topic);
            }
        };
        MqttSession c = MqttSession.create(SessionOptions.builder(url, "t-" + UUID.randomUUID().toString().substring(0, 8))
                .connectTimeout(Duration.ofSeconds(5))
                .tls(tls == null ? Optional.empty() : Optional.of(tls.socketFactory())).build(), listener);
        try {
            c.connect(Duration.ofSeconds(10));
            // A refused certificate can also show up as the broker closing the link right after the handshake.
            c.subscribe(List.of(new Subscription("/ota/status/none", Qos.AT_MOST_ONCE))).toCompletableFuture()
                    .get(3, TimeUnit.SECONDS);
            return c;
        } catch (ExecutionException e) {
            c.close();
            throw e.getCause() instanceof MqttSessionException m ? m : e;
        } catch (MqttSessionException e) {
            c.close();
            throw e;
        } catch (TimeoutException e) {
            c.close();
            throw new MqttSessionException(MqttSessionException.Reason.TIMED_OUT, "no SUBACK in 3 s", e);
        }
    }
}
