package io.reizi.e2e;

import io.reizi.agent.Publication;
import io.reizi.agent.Publisher;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * One broker, one trusted Ed25519 key and one trusted ES256 key, a status watcher, and the agents a test
 * starts; everything under one temporary folder and stopped at the end.
 */
final class TestBed implements AutoCloseable {
    static final Duration LONG = Duration.ofSeconds(60);
    final Path dir;
    final Mosquitto broker;
    final StatusWatcher watcher;
    final Keys.SigningKey edKey = Keys.generate(Keys.Alg.ED25519);
    final Keys.SigningKey ecKey = Keys.generate(Keys.Alg.ES256);
    final Path trust;
    private final List<AgentProcess> agents = new ArrayList<>();

    TestBed(Path dir) throws Exception {
        this(dir, UnaryOperator.identity());
    }

    /** With the broker's development config as {@code brokerConfig} changes it. */
    TestBed(Path dir, UnaryOperator<String> brokerConfig) throws Exception {
        this.dir = dir;
        broker = Mosquitto.start(Files.createDirectories(dir.resolve("broker")), brokerConfig);
        trust = Files.createDirectories(dir.resolve("trust"));
        Files.writeString(trust.resolve("ed.pem"), Keys.publicPem(edKey.publicKey()));
        Files.writeString(trust.resolve("ec.pub"), Keys.publicPem(ecKey.publicKey()));
        watcher = new StatusWatcher(broker.url());
    }

    /** Starts a device agent with its own data dir and waits for READY. */
    AgentProcess agent(String id, String... extra) throws Exception {
        AgentProcess a = new AgentProcess(id, broker.url(), dataDir(id), trust, logs().resolve(id + ".log"), extra);
        agents.add(a);
        return a.start().awaitReady();
    }

    /** Agent logs stay after the test, in agent/target/e2e-logs, for reading a failure. */
    static Path logs() throws java.io.IOException {
        return Files.createDirectories(Repo.root().resolve("agent/target/e2e-logs"));
    }

    Path dataDir(String id) {
        return dir.resolve("devices").resolve(id);
    }

    /** A file of pseudo-random bytes (seeded, so a test failure can be reproduced). */
    Path image(String name, int size, long seed) throws Exception {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return Files.write(dir.resolve(name), bytes);
    }

    Publication release(String device, Path image, long ver, int chunk, Keys.SigningKey key) {
        return release(device, image, ver, Kind.IMAGE, null, chunk, key);
    }

    Publication release(String device, Path image, long ver, Kind kind, String entry, int chunk,
            Keys.SigningKey key) {
        return Publication.builder(broker.url(), device, image, ver, key).kind(kind).entry(Optional.ofNullable(entry))
                .label(Optional.of("1.0." + ver)).chunk(chunk).timeout(LONG).build();
    }

    Publisher.Outcome publish(Publication release) throws Exception {
        try (Publisher p = new Publisher(release)) {
            return p.run(s -> {});
        }
    }

    /** Publishes on another thread, for tests that disturb the transfer while it runs. */
    java.util.concurrent.CompletableFuture<Publisher.Outcome> publishAsync(Publication release) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return publish(release);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static String sha256(Path file) throws Exception {
        return Sha256.text(Sha256.digest(Files.readAllBytes(file)));
    }

    @Override
    public void close() throws Exception {
        for (AgentProcess a : agents) a.close();
        watcher.close();
        broker.close();
    }
}
