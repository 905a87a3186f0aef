package io.reizi.agent.cli;

import io.reizi.agent.Agent;
import io.reizi.agent.AgentConfig;
import io.reizi.agent.DemoBroker;
import io.reizi.agent.Log;
import io.reizi.agent.Publisher;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code reizi demo}: a broker, a device and a publisher in one process. Two releases go out: v1 lands in
 * bank b, v2 in bank a, each verified, switched atomically, health-checked and committed.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run a whole update end to end on this machine: embedded broker, agent, signed release.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--broker", description = "Use this broker instead of the embedded one (tcp://host:port).")
    String broker;
    @Option(names = "--dir", description = "Work folder (default: a new temporary one).")
    Path dir;
    @Option(names = "--size", defaultValue = "4194304", description = "Image size in bytes. Default 4 MiB.")
    int size;
    @Option(names = "--chunk", defaultValue = "16384", description = "Chunk size in bytes. Default 16384.")
    int chunk;

    @Override
    public Integer call() throws Exception {
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("reizi-demo-");
        Log.prefix("[device]");
        say("Reizi demo in " + work);
        DemoBroker embedded = null;
        String url = broker;
        if (url == null) {
            embedded = DemoBroker.start(work.resolve("broker"));
            url = embedded.url();
            say("embedded MQTT 5 broker (HiveMQ CE) on " + url);
        }
        try {
            Keys.SigningKey key = Keys.generate(Keys.Alg.ED25519);
            Path keys = Files.createDirectories(work.resolve("keys"));
            Files.writeString(keys.resolve("release.key"), Keys.privatePem(key));
            Path trust = Files.createDirectories(work.resolve("trust"));
            Files.writeString(trust.resolve("release.pub"), Keys.publicPem(key.publicKey()));
            say("signing key " + keys.resolve("release.key") + ", trusted by the device as " + trust.resolve("release.pub"));

            Path dataDir = work.resolve("device");
            AgentConfig config = new AgentConfig("demo-device", url, dataDir, trust, List.of(), Optional.of("demo-board"),
                    Optional.of("test -s \"$REIZI_IMAGE\""), Duration.ofSeconds(10), 1, Duration.ofSeconds(5), 1L << 32, false,
                    Duration.ofDays(1), 32, Duration.ofSeconds(30), Duration.ofSeconds(2), 64, Duration.ofMillis(500),
                    Duration.ofSeconds(1), "ota/firmware", "/ota/status");
            try (Agent agent = new Agent(config)) {
                agent.start();
                for (int ver = 1; ver <= 2; ver++) {
                    Path image = work.resolve("firmware-" + ver + ".0.img");
                    byte[] bytes = new byte[size];
                    new Random(ver).nextBytes(bytes);
                    Files.write(image, bytes);
                    say("publishing " + image.getFileName() + " as ver " + ver + " (" + size + " bytes, " + chunk
                            + "-byte chunks)");
                    Publisher.Release release = new Publisher.Release(url, "demo-device", false, Set.of(), image, ver,
                            Kind.IMAGE, key, Optional.empty(), Optional.of(ver + ".0.0"), chunk,
                            Optional.of(List.of("demo-board")), Optional.empty(), Duration.ofSeconds(120),
                            "ota/firmware", "/ota/status", 32);
                    long t0 = System.nanoTime();
                    Publisher.Outcome outcome;
                    try (Publisher publisher = new Publisher(release)) {
                        outcome = publisher.run(new ProgressView(System.out));
                    }
                    if (!outcome.success()) {
                        say("update to ver " + ver + " FAILED: " + outcome.summary());
                        return 1;
                    }
                    boolean same = java.util.Arrays.equals(bytes, Files.readAllBytes(dataDir.resolve("current/image")));
                    say("ver " + ver + " committed in " + (System.nanoTime() - t0) / 1_000_000 + " ms; bank "
                            + agent.updater().deviceState().active().wire() + " is active; current/image "
                            + (same ? "is byte-identical to the release" : "DIFFERS from the release"));
                    if (!same) return 1;
                }
            }
            say("");
            say("Where to look:");
            say("  " + dataDir + "/current -> " + Files.readSymbolicLink(dataDir.resolve("current")) + " (the active bank)");
            say("  " + dataDir + "/state.json (banks, versions, trial, rolled-back releases)");
            say("  bin/reizi status --data-dir " + dataDir);
            say("  keys in " + keys + "; try: bin/reizi publish --help");
            return 0;
        } finally {
            if (embedded != null) embedded.close();
        }
    }

    private static void say(String line) {
        System.out.println(line.isEmpty() ? "" : "demo: " + line);
    }
}
