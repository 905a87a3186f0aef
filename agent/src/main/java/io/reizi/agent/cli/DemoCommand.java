package io.reizi.agent.cli;

import io.reizi.agent.Agent;
import io.reizi.agent.AgentConfig;
import io.reizi.agent.DemoBroker;
import io.reizi.agent.Log;
import io.reizi.agent.Publication;
import io.reizi.agent.Publisher;
import io.reizi.agent.Samples;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code reizi demo}: a broker, a device and a publisher in one process. An image release, then the sample
 * jar app, hot-swapped to a new version with its state, then a broken version that is rolled back.
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
            try {
                embedded = DemoBroker.start(work.resolve("broker"));
            } catch (NoClassDefFoundError e) {
                say("this build has no embedded broker (the light runtime archive leaves it out): use --broker tcp://host:port");
                return 2;
            }
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
            AgentConfig config = demoDevice(url, dataDir, trust);
            try (Agent agent = new Agent(config)) {
                agent.start();
                say("");
                say("1) an image release: stored, verified, switched, health-checked");
                Path image = work.resolve("firmware-1.0.img");
                byte[] bytes = new byte[size];
                new Random(1).nextBytes(bytes);
                Files.write(image, bytes);
                Publisher.Outcome first = publish(url, key, image, 1, Kind.IMAGE, null);
                if (!first.success()) return fail(first);
                boolean same = java.util.Arrays.equals(bytes, Files.readAllBytes(dataDir.resolve("current/image")));
                say("ver 1 committed; bank " + agent.updater().deviceState().active().wire()
                        + " is active; current/image " + (same ? "is byte-identical to the release" : "DIFFERS"));
                if (!same) return 1;

                say("");
                say("2) a jar app (the sample counter) starts in the light runtime");
                if (!publish(url, key, Samples.counterJar(), 2, Kind.JAR, ENTRY).success()) return 1;
                Thread.sleep(1500);

                say("");
                say("3) ver 3 of the app is hot-swapped in: the counter carries on, no restart of the agent");
                Publisher.Outcome third = publish(url, key, Samples.counterVariant(work.resolve("counter-3.jar"), "ok"), 3,
                        Kind.JAR, ENTRY);
                if (!third.success()) return fail(third);
                Status swapped = third.devices().get("demo-device");
                say("ver 3 committed; interruption window " + String.format(java.util.Locale.ROOT, "%.2f", swapped.swapMs())
                        + " ms (see the counter value it started from in the device log above)");

                say("");
                say("4) ver 4 is broken on purpose (never healthy): the agent rolls back by itself");
                Publisher.Outcome fourth = publish(url, key, Samples.counterVariant(work.resolve("counter-4.jar"),
                        "never-healthy"), 4, Kind.JAR, ENTRY);
                Status back = fourth.devices().get("demo-device");
                if (back == null || !back.is(OtaState.ROLLED_BACK)) return fail(fourth);
                say("ver 4 " + back.state().wire() + " (" + back.error().wire() + ": " + back.detail() + "); ver "
                        + back.activeVer() + " runs again with its state");
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

    private static final String ENTRY = "io.reizi.samples.CounterApp";

    private Publisher.Outcome publish(String url, Keys.SigningKey key, Path file, long ver, Kind kind, String entry)
            throws Exception {
        say("publishing " + file.getFileName() + " as ver " + ver + " (" + kind.wire() + ")");
        Publication release = Publication.builder(url, "demo-device", file, ver, key).kind(kind)
                .entry(Optional.ofNullable(entry)).label(Optional.of(ver + ".0.0")).chunk(chunk)
                .hw(Optional.of(List.of("demo-board"))).timeout(Duration.ofSeconds(120)).build();
        try (Publisher publisher = new Publisher(release)) {
            return publisher.run(new ProgressView(System.out));
        }
    }

    /** The demo's device: the agent's defaults, with a hardware id, a health command and a short trial. */
    private static AgentConfig demoDevice(String url, Path dataDir, Path trust) {
        try {
            return AgentCommand.toConfig(ConfigFile.none(Map.of(AgentOption.ID, "demo-device", AgentOption.BROKER, url,
                    AgentOption.DATA_DIR, dataDir, AgentOption.TRUST, trust, AgentOption.HW, "demo-board",
                    AgentOption.HEALTH_CMD, "test -s \"$REIZI_IMAGE\"", AgentOption.TRIAL_WINDOW, "3s")));
        } catch (ConfigFile.Invalid e) {
            throw new IllegalStateException("the demo's own configuration: " + e.getMessage(), e);
        }
    }

    private static int fail(Publisher.Outcome outcome) {
        say("update FAILED: " + outcome.summary());
        return 1;
    }

    private static void say(String line) {
        System.out.println(line.isEmpty() ? "" : "demo: " + line);
    }
}
