package io.reizi.agent;

import io.reizi.agent.mqtt.MqttClients;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.Chunk;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.Ids;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * The operator's side of the contract: signs and publishes a manifest (retained), then serves the
 * chunks that devices name in their `need`, with a bounded window of QoS 1 messages in flight,
 * until every target reports a terminal state for the release or the time limit passes.
 */
public final class Publisher implements MqttCallback, AutoCloseable {
    /** What to publish and to whom. {@code group} is false for a single device. */
    public record Release(String broker, Optional<io.reizi.agent.tls.TlsFiles> tls, String target, boolean group, Set<String> expectDevices, Path image,
            long ver, Kind kind, Keys.SigningKey key, Optional<String> entry, Optional<String> label, int chunk,
            Optional<List<String>> hw, Optional<Long> expires, Duration timeout, String firmwarePrefix,
            String statusPrefix, int window) {
        public Release {
            Ids.require(group ? "group id" : "device id", target);
            for (String d : expectDevices) Ids.require("device id", d);
            if (chunk < 1) throw new IllegalArgumentException("chunk must be at least 1 byte");
        }
    }

    /** How each device ended (or where it was when time ran out). */
    public record Outcome(boolean success, Map<String, Status> devices, String summary) {}

    /** Told about every status of this release, for progress display. */
    public interface Progress {
        void update(Status status);
    }

    private final Release release;
    private final MqttAsyncClient client;
    private final Map<String, Status> devices = new LinkedHashMap<>();
    private final BitSet toSend = new BitSet();
    private final Deque<IMqttToken> inFlight = new ArrayDeque<>();
    private Manifest manifest;
    private byte[] signedManifest;
    private Progress progress = s -> {};

    public Publisher(Release release) throws MqttException {
        this.release = release;
        this.client = MqttClients.create(release.broker(), "reizi-pub-" + UUID.randomUUID().toString().substring(0, 8));
        client.setCallback(this);
    }

    /** Builds the manifest of an image file: streams it once for its size and SHA-256. */
    public static Manifest describe(Release r) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        long size = 0;
        try (FileChannel ch = FileChannel.open(r.image(), StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            int n;
            while ((n = ch.read(buf)) > 0) {
                buf.flip();
                digest.update(buf);
                size += n;
                buf.clear();
            }
        }
        int count = (int) ((size + r.chunk() - 1) / r.chunk());
        return new Manifest(r.image().getFileName().toString().replaceFirst("\\.[^.]*$", ""), r.ver(), r.label(),
                r.kind(), r.entry(), size, r.chunk(), count, Sha256.text(digest.digest()), r.hw(), r.expires());
    }

    public Outcome run(Progress progress) throws IOException, MqttException, InterruptedException {
        this.progress = progress;
        manifest = describe(release);
        if (manifest.size() == 0) throw new IOException("image " + release.image() + " is empty");
        signedManifest = CoseSign1.sign(ManifestCodec.encode(manifest), release.key());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay(1, 5);
        options.setConnectionTimeout(10);
        if (release.tls().isPresent()) options.setSocketFactory(release.tls().get().socketFactory());
        client.connect(options).waitForCompletion(15_000);
        long deadline = System.nanoTime() + release.timeout().toNanos();
        try (FileChannel image = FileChannel.open(release.image(), StandardOpenOption.READ)) {
            while (System.nanoTime() < deadline) {
                Optional<Outcome> done = outcome(false);
                if (done.isPresent()) return done.get();
                int seq = nextToSend();
                if (seq < 0) continue;
                sendChunk(image, seq);
            }
        }
        return outcome(true).orElseThrow();
    }

    /** Subscribes and (re)publishes the manifest; also after a reconnect, since a broker may have lost both. */
    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        try {
            String statusTopic = release.statusPrefix() + "/" + (release.group() ? "+" : release.target());
            client.subscribe(statusTopic, 1);
            client.publish(release.firmwarePrefix() + "/" + release.target() + "/manifest", signedManifest, 1, true);
            synchronized (this) {
                inFlight.clear(); // lost with the link; the devices' next need names them again
            }
        } catch (MqttException e) {
            Log.error("publisher could not subscribe or publish the manifest", e);
        }
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        if (message.isRetained()) return; // an old answer, not one to this manifest
        Status s;
        try {
            s = Status.parse(message.getPayload());
        } catch (IOException e) {
            Log.warn("unreadable status on " + topic + ": " + e.getMessage());
            return;
        }
        if (s.id() == null || s.ver() == null || s.ver() != release.ver()) return;
        if (!isTarget(s.id())) return;
        synchronized (this) {
            Status before = devices.get(s.id());
            if (before != null && before.isTerminal()) return; // the first outcome stands (a re-sent manifest may be refused after it)
            devices.put(s.id(), s);
            if (s.need() != null && "downloading".equals(s.state())) {
                for (int[] range : s.need()) {
                    if (range.length == 2 && range[0] <= range[1] && range[1] < manifest.count()) {
                        toSend.set(range[0], range[1] + 1);
                    }
                }
            }
            notifyAll();
        }
        progress.update(s);
    }

    private boolean isTarget(String id) {
        if (!release.group()) return id.equals(release.target());
        return release.expectDevices().isEmpty() || release.expectDevices().contains(id);
    }

    private synchronized int nextToSend() throws InterruptedException {
        int seq = toSend.nextSetBit(0);
        if (seq < 0) {
            wait(100);
            return -1;
        }
        toSend.clear(seq);
        return seq;
    }

    private void sendChunk(FileChannel image, int seq) throws IOException, InterruptedException {
        byte[] data = new byte[manifest.chunkLength(seq)];
        ByteBuffer buf = ByteBuffer.wrap(data);
        long pos = manifest.offset(seq);
        while (buf.hasRemaining()) {
            int n = image.read(buf, pos + buf.position());
            if (n < 0) throw new IOException("image " + release.image() + " shrank while publishing");
        }
        Chunk chunk = ChunkCodec.of(manifest.ver(), seq, data);
        awaitWindow();
        try {
            IMqttToken token = client.publish(release.firmwarePrefix() + "/" + release.target() + "/chunk",
                    ChunkCodec.encode(chunk), 1, false);
            synchronized (this) {
                inFlight.addLast(token);
            }
        } catch (MqttException e) {
            // The broker's receive maximum is below our window (32202), or we are not connected right now:
            // send it again later; the device also asks again for what it misses.
            synchronized (this) {
                toSend.set(seq);
            }
            Thread.sleep(e.getReasonCode() == 32202 ? 5 : 200);
        }
    }

    private void awaitWindow() {
        while (true) {
            IMqttToken oldest;
            synchronized (this) {
                inFlight.removeIf(IMqttToken::isComplete);
                if (inFlight.size() < release.window()) return;
                oldest = inFlight.peekFirst();
            }
            try {
                oldest.waitForCompletion(100);
            } catch (MqttException e) {
                synchronized (this) {
                    inFlight.remove(oldest);
                }
            }
        }
    }

    /**
     * Done when every expected device is in a terminal state; success when all of them committed.
     * A group without {@code --expect-devices} runs until the time limit and judges the devices it heard.
     */
    private synchronized Optional<Outcome> outcome(boolean timedOut) {
        Set<String> expected = release.group() ? release.expectDevices() : Set.of(release.target());
        boolean allTerminal = !expected.isEmpty()
                && expected.stream().allMatch(id -> devices.containsKey(id) && devices.get(id).isTerminal());
        if (!timedOut && !allTerminal) return Optional.empty();
        Collection<String> judged = expected.isEmpty() ? devices.keySet() : expected;
        boolean success = !judged.isEmpty()
                && judged.stream().allMatch(id -> devices.containsKey(id) && "committed".equals(devices.get(id).state()));
        StringBuilder summary = new StringBuilder();
        for (String id : judged) {
            Status s = devices.get(id);
            summary.append(id).append(": ").append(s == null ? "no answer" : s.state());
            if (s != null && s.error() != null) summary.append(" (").append(s.error()).append(": ").append(s.detail()).append(")");
            summary.append("; ");
        }
        if (judged.isEmpty()) summary.append("no device answered; ");
        if (timedOut && !allTerminal) summary.append("time limit of ").append(release.timeout().toSeconds()).append(" s passed");
        return Optional.of(new Outcome(success, Map.copyOf(devices), summary.toString().trim()));
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) client.disconnect().waitForCompletion(2_000);
            client.close(true);
        } catch (MqttException e) {
            Log.warn("publisher close: " + e.getMessage());
        }
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        Log.warn("publisher lost the broker; reconnecting");
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        Log.error("publisher MQTT error", exception);
    }

    @Override
    public void deliveryComplete(IMqttToken token) {}

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
}
