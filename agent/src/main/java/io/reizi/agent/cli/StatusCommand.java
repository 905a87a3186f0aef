package io.reizi.agent.cli;

import io.reizi.agent.mqtt.client.MqttSession;
import io.reizi.agent.mqtt.client.Qos;
import io.reizi.agent.mqtt.client.SessionListener;
import io.reizi.agent.mqtt.client.SessionOptions;
import io.reizi.agent.mqtt.client.Subscription;
import io.reizi.ota.wire.Bank;
import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.bank.Release;
import io.reizi.ota.bank.StateStore;
import io.reizi.ota.bank.Staging;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.Refusal;
import io.reizi.ota.wire.Status;
import io.reizi.ota.wire.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reizi status}: a device's retained status from the broker, or the local state of a data dir. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show a device's retained status (--broker, --device) or a data dir's local state (--data-dir).")
public final class StatusCommand implements Callable<Integer> {
    static final class Remote {
        @Option(names = "--broker", required = true)
        String broker;
        @Option(names = "--device", required = true)
        String device;
        @Option(names = "--ca", description = "CA certificate (PEM) of an ssl:// broker.")
        Path ca;
        @Option(names = "--cert", description = "Client certificate (PEM), for mutual TLS.")
        Path cert;
        @Option(names = "--tls-key", description = "Client private key (PEM), for mutual TLS.")
        Path tlsKey;

        Optional<io.reizi.agent.tls.TlsFiles> tls() {
            return Optional.ofNullable(ca).map(c -> new io.reizi.agent.tls.TlsFiles(c, Optional.ofNullable(cert),
                    Optional.ofNullable(tlsKey)));
        }
    }

    static final class Source {
        @ArgGroup(exclusive = false)
        Remote remote;
        @Option(names = "--data-dir", required = true)
        Path dataDir;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;
    @Option(names = "--json", description = "Print the raw status JSON.")
    boolean json;
    @Option(names = "--status-prefix", defaultValue = Topics.DEFAULT_STATUS_PREFIX)
    String statusPrefix;

    @Override
    public Integer call() throws Exception {
        return source.dataDir != null ? local(source.dataDir) : remote(source.remote);
    }

    private int remote(Remote r) throws Exception {
        io.reizi.ota.wire.Ids.require("device id", r.device);
        BlockingQueue<byte[]> got = new ArrayBlockingQueue<>(1);
        SessionOptions options = SessionOptions.builder(r.broker,
                        "reizi-status-" + UUID.randomUUID().toString().substring(0, 8))
                .connectTimeout(Duration.ofSeconds(10))
                .tls(r.tls().isPresent() ? Optional.of(r.tls().get().socketFactory()) : Optional.empty())
                .build();
        SessionListener listener = new SessionListener() {
            @Override
            public void message(String topic, byte[] payload, boolean retained) {
                got.offer(payload);
            }
        };
        try (MqttSession session = MqttSession.create(options, listener)) {
            session.connect(Duration.ofSeconds(15));
            session.subscribe(List.of(new Subscription(new Topics(Topics.DEFAULT_FIRMWARE_PREFIX, statusPrefix).status(r.device),
                    Qos.AT_LEAST_ONCE)));
            byte[] payload = got.poll(5, TimeUnit.SECONDS);
            if (payload == null) {
                System.err.println("no retained status for device " + r.device + " on " + r.broker);
                return 1;
            }
            if (json) {
                System.out.println(new String(payload, StandardCharsets.UTF_8));
            } else {
                Status s;
                try {
                    s = Status.parse(payload);
                } catch (IOException e) {
                    System.err.println("the retained status of device " + r.device + " is unreadable: " + e.getMessage());
                    return 1;
                }
                System.out.println("device   " + s.id());
                System.out.println("state    " + s.state().wire() + (s.error() != null ? " (" + s.error().wire() + ")" : ""));
                if (s.detail() != null) System.out.println("detail   " + s.detail());
                if (s.ver() != null) System.out.println("release  " + s.fw() + " ver " + s.ver()
                        + (s.label() != null ? " (" + s.label() + ")" : ""));
                if (s.count() != null) System.out.println("progress " + s.received() + "/" + s.count() + " chunks");
                if (s.active() != null) System.out.println("active   bank " + s.active().wire() + ", ver " + s.activeVer());
                System.out.println("as of    " + Instant.ofEpochMilli(s.ts()));
            }
            session.disconnect(Duration.ofSeconds(2), false);
            return 0;
        }
    }

    private int local(Path dir) throws Exception {
        DeviceState state = new StateStore(dir.resolve("state.json")).load();
        System.out.println("data dir " + dir.toAbsolutePath());
        System.out.println("active   bank " + state.active().wire() + (state.trial()
                ? " (on trial, " + state.trialRestarts() + " restart(s))" : ""));
        for (Bank b : Bank.values()) {
            Optional<Release> r = Optional.ofNullable(state.banks().get(b));
            System.out.println("bank " + b.wire() + "   " + r.map(x -> x.fw() + " ver " + x.ver() + " (" + x.kind()
                    + (x.label() != null ? ", " + x.label() : "") + ") " + x.hash()).orElse("empty"));
        }
        if (!state.rolledBack().isEmpty()) System.out.println("rolled back vers " + state.rolledBack());
        Path inactive = dir.resolve("banks").resolve(state.inactive().wire());
        Optional<Staging.Leftover> leftover = Files.isDirectory(inactive) ? Staging.leftoverIn(inactive) : Optional.empty();
        if (leftover.isPresent()) {
            try {
                Manifest m = ManifestCodec.decode(CoseSign1.decode(leftover.get().cose()).payload());
                int have = leftover.get().durable().get(0, m.count()).cardinality();
                System.out.println("download ver " + m.ver() + " into bank " + state.inactive().wire() + ": " + have
                        + "/" + m.count() + " chunks on disk");
            } catch (Refusal e) {
                System.out.println("download unreadable: " + e.getMessage());
            }
        }
        return 0;
    }
}
