package io.reizi.agent.cli;

import io.reizi.agent.Log;
import io.reizi.agent.Publisher;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Status;
import io.reizi.ota.wire.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reizi publish}: sign a release and serve it to a device or a group. */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Publish a signed release and serve the chunks devices ask for. Exits 0 when every target device"
                + " reports committed, 1 when one reports failed or rolled_back, 3 when the time limit passes.")
public final class PublishCommand implements Callable<Integer> {
    static final class Target {
        @Option(names = "--device", required = true, description = "One device id.")
        String device;
        @Option(names = "--group", required = true, description = "A group id: one stream serves every member.")
        String group;
    }

    @Option(names = "--broker", required = true, description = "tcp://host:port or ssl://host:port")
    String broker;
    @picocli.CommandLine.Mixin
    TlsOptions tls;
    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;
    @Option(names = "--expect-devices", split = ",", description = "With --group: the devices to wait for.")
    List<String> expectDevices;
    @Option(names = "--image", required = true)
    Path image;
    @Option(names = "--ver", required = true, description = "Release number; must be above the device's active one.")
    long ver;
    @Option(names = "--kind", required = true, description = "image, jar or exec.")
    String kind;
    @Option(names = "--key", required = true, description = "Private key PEM (reizi keygen).")
    Path key;
    @Option(names = "--entry")
    String entry;
    @Option(names = "--label", description = "Human version, e.g. 1.4.2.")
    String label;
    @Option(names = "--chunk", defaultValue = "16384", description = "Chunk size in bytes. Default 16384; 4096 for file-system"
            + " images, whose blocks then align with the chunks (docs/delta.md).")
    int chunk;
    @Option(names = "--hw", split = ",", description = "Hardware compatibility list.")
    List<String> hw;
    @Option(names = "--expires", description = "Seconds since the epoch after which devices refuse the manifest.")
    Long expires;
    @Option(names = "--timeout", defaultValue = "600", description = "Seconds to wait for the devices. Default 600.")
    long timeout;
    @Option(names = "--window", defaultValue = "32", description = "QoS 1 chunk messages in flight. Default 32.")
    int window;
    @Option(names = "--no-index", description = "Send a version-1 manifest without the signed chunk index (no per-chunk"
            + " authentication, no delta fill on the devices).")
    boolean noIndex;
    @Option(names = "--firmware-prefix", defaultValue = Topics.DEFAULT_FIRMWARE_PREFIX)
    String firmwarePrefix;
    @Option(names = "--status-prefix", defaultValue = Topics.DEFAULT_STATUS_PREFIX)
    String statusPrefix;

    @Override
    public Integer call() throws Exception {
        Kind k = Kind.parse(kind).orElseThrow(() -> new IllegalArgumentException("--kind must be image, jar or exec"));
        boolean group = target.group != null;
        Publisher.Release release = new Publisher.Release(broker, tls.files(), group ? target.group : target.device, group,
                expectDevices == null ? Set.of() : Set.copyOf(expectDevices), image, ver, k, Keys.readPrivate(key),
                Optional.ofNullable(entry), Optional.ofNullable(label), chunk, Optional.ofNullable(hw).map(List::copyOf),
                Optional.ofNullable(expires), Duration.ofSeconds(timeout), firmwarePrefix, statusPrefix, window, !noIndex);
        try (Publisher publisher = new Publisher(release)) {
            Publisher.Outcome outcome = publisher.run(new ProgressView(System.out));
            System.out.printf(java.util.Locale.ROOT, "chunks published: %d for %d chunks (wire overhead %.3f)%n",
                    outcome.chunksPublished(), outcome.chunkCount(), outcome.wireOverhead());
            System.out.println(outcome.bytesSentLine());
            System.out.printf("bytes sent: %d of %d%n", outcome.bytesSent(), outcome.imageSize());
            if (outcome.success()) {
                System.out.println("committed: " + outcome.summary());
                return 0;
            }
            Log.error("release ver=" + ver + " not installed: " + outcome.summary());
            boolean answered = outcome.devices().values().stream().anyMatch(Status::isTerminal);
            return answered ? 1 : 3;
        }
    }
}
