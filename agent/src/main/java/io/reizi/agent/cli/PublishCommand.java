package io.reizi.agent.cli;

import io.reizi.agent.Log;
import io.reizi.agent.Publication;
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
    @Option(names = "--chunk", defaultValue = "" + Publication.DEFAULT_CHUNK, description = "Chunk size in bytes. Default ${DEFAULT-VALUE}; 4096 for file-system"
            + " images, whose blocks then align with the chunks (docs/delta.md).")
    int chunk;
    @Option(names = "--hw", split = ",", description = "Hardware compatibility list.")
    List<String> hw;
    @Option(names = "--expires", description = "Seconds since the epoch after which devices refuse the manifest.")
    Long expires;
    @Option(names = "--timeout", defaultValue = "" + Publication.DEFAULT_TIMEOUT_SECONDS,
            description = "Seconds to wait for the devices. Default ${DEFAULT-VALUE}.")
    long timeout;
    @Option(names = "--window", defaultValue = "" + Publication.DEFAULT_WINDOW,
            description = "QoS 1 chunk messages in flight. Default ${DEFAULT-VALUE}.")
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
        Publication.Builder b = Publication.builder(broker, target.device != null ? target.device : target.group, image, ver,
                        Keys.readPrivate(key))
                .tls(tls.files()).kind(k).entry(Optional.ofNullable(entry)).label(Optional.ofNullable(label)).chunk(chunk)
                .hw(Optional.ofNullable(hw)).expires(Optional.ofNullable(expires)).timeout(Duration.ofSeconds(timeout))
                .prefixes(firmwarePrefix, statusPrefix).window(window).index(!noIndex);
        if (group) b.group(target.group, expectDevices == null ? Set.of() : Set.copyOf(expectDevices));
        Publication release = b.build();
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
