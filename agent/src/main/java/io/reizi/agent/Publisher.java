package io.reizi.agent;

import io.reizi.agent.mqtt.client.Backoff;
import io.reizi.agent.mqtt.client.MqttSession;
import io.reizi.agent.mqtt.client.MqttSessionException;
import io.reizi.agent.mqtt.client.PublishAck;
import io.reizi.agent.mqtt.client.Qos;
import io.reizi.agent.mqtt.client.SessionListener;
import io.reizi.agent.mqtt.client.SessionOptions;
import io.reizi.agent.mqtt.client.Subscription;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.transfer.SendLedger;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import io.reizi.ota.wire.Topics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The operator's side of the contract: signs and publishes a manifest (retained), then serves the chunks that
 * devices name in their `need`, with a bounded window of QoS 1 messages in flight, until every target reports a
 * terminal state for the release or the time limit passes. Which of the chunks a need names are sent (again) is
 * the {@link SendLedger}'s call: not those still on their way. The image is read by {@link ReleaseImage}, the
 * devices judged by {@link Targets}; this class is the MQTT session and the send loop.
 */
public final class Publisher implements SessionListener, AutoCloseable {
    /** How long a chunk sent is given to arrive, beyond its place in the queue, before a need makes it go again. */
    private static final Duration RESEND_SLACK = Duration.ofSeconds(5);
    /** Above this, say that a broker may refuse the index message (message_size_limit of broker-config/: 8 MiB + 1 KiB). */
    private static final int INDEX_WARN_BYTES = 8 << 20;

    /**
     * How each device ended (or where it was when time ran out), and the chunk messages it took: {@code
     * chunksPublished} over the release's {@code chunkCount} is the wire overhead. {@code bytesSent} counts
     * every payload this publisher handed to the broker for the release (index, manifest, chunks, resends);
     * {@code imageSize} is what a full update would have sent of image bytes.
     */
    public record Outcome(boolean success, Map<String, Status> devices, String summary, long chunksPublished,
            int chunkCount, long bytesSent, long imageSize) {
        public double wireOverhead() {
            return (double) chunksPublished / chunkCount;
        }

        /** {@code sent 4.1 MB of 212 MB (1.9 %)} (decimal units). */
        public String bytesSentLine() {
            return String.format(java.util.Locale.ROOT, "sent %s of %s (%.1f %%)", megabytes(bytesSent),
                    megabytes(imageSize), 100.0 * bytesSent / imageSize);
        }

        private static String megabytes(long bytes) {
            double mb = bytes / 1e6;
            return String.format(java.util.Locale.ROOT, mb >= 100 ? "%.0f MB" : mb >= 1 ? "%.1f MB" : mb >= 0.1 ? "%.2f MB" : "%.3f MB",
                    mb);
        }
    }

    /** Told about every status of this release, for progress display. */
    public interface Progress {
        void update(Status status);
    }

    private final Publication release;
    private final MqttSession session;
    private final Targets targets;
    private final BitSet toSend = new BitSet();
    /** Chunk publishes not yet acknowledged, oldest first. */
    private final Deque<CompletableFuture<PublishAck>> inFlight = new ArrayDeque<>();
    private SendLedger ledger;
    private Manifest manifest;
    private byte[] signedManifest;
    private Optional<byte[]> index = Optional.empty();
    private long bytesSent;
    private Progress progress = s -> {};

    public Publisher(Publication release) throws IOException {
        this.release = release;
        this.targets = new Targets(release);
        SessionOptions options = SessionOptions.builder(release.broker(),
                        "reizi-pub-" + UUID.randomUUID().toString().substring(0, 8))
                .cleanStart(true)
                .reconnect(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5)))
                .connectTimeout(Duration.ofSeconds(10))
                .tls(release.tls().isPresent() ? Optional.of(release.tls().get().socketFactory()) : Optional.empty())
                .build();
        this.session = MqttSession.create(options, this);
    }

    public Outcome run(Progress progress) throws IOException, MqttSessionException, InterruptedException {
        this.progress = progress;
        try (ReleaseImage image = ReleaseImage.open(release)) {
            synchronized (this) {
                manifest = image.manifest();
                index = image.index();
                ledger = new SendLedger(manifest.count(), RESEND_SLACK);
            }
            if (index.isPresent() && index.get().length > INDEX_WARN_BYTES) {
                Log.warn("the chunk index is " + index.get().length + " bytes (36 per chunk): over the 8 MiB message limit"
                        + " of broker-config/ (Mosquitto's message_size_limit; many brokers allow less), which drops it, and the devices then wait for"
                        + " it; raise --chunk, raise the broker's limit, or publish with --no-index");
            }
            signedManifest = CoseSign1.sign(ManifestCodec.encode(manifest), release.key());
            session.connect(Duration.ofSeconds(15));
            long deadline = System.nanoTime() + release.timeout().toNanos();
            while (System.nanoTime() < deadline) {
                Optional<Outcome> done = outcome(false);
                if (done.isPresent()) return done.get();
                int seq = nextToSend();
                if (seq >= 0) sendChunk(image, seq);
            }
        }
        return outcome(true).orElseThrow();
    }

    /** Subscribes and (re)publishes the manifest; also after a reconnect, since a broker may have lost both. */
    @Override
    public void connected(boolean reconnect) {
        Topics topics = release.topics();
        String statusTopic = release.group() ? topics.anyStatus() : topics.status(release.target());
        session.subscribe(List.of(new Subscription(statusTopic, Qos.AT_LEAST_ONCE))).exceptionally(e -> {
            Log.error("publisher could not subscribe to " + statusTopic, e);
            return null;
        });
        try {
            // The index first (one session's messages reach the broker in order): a device that gets the manifest
            // finds the index it names already retained.
            if (index.isPresent()) {
                session.publish(topics.index(release.target()), index.get(), Qos.AT_LEAST_ONCE, true, ack -> {});
            }
            session.publish(topics.manifest(release.target()), signedManifest, Qos.AT_LEAST_ONCE, true, ack -> {});
            synchronized (this) {
                bytesSent += signedManifest.length + index.map(i -> i.length).orElse(0);
                inFlight.clear(); // lost with the link; the devices' next need names them again
            }
        } catch (MqttSessionException e) {
            Log.error("publisher could not publish the manifest", e);
        }
    }

    @Override
    public void message(String topic, byte[] payload, boolean retained) {
        if (retained) return; // an old answer, not one to this manifest
        Status s;
        try {
            s = Status.parse(payload);
        } catch (IOException e) {
            Log.warn("unreadable status on " + topic + ": " + e.getMessage());
            return;
        }
        synchronized (this) {
            if (!targets.record(s)) return;
            // An empty need is a device waiting for the index, not one that holds every chunk.
            if (s.need() != null && !s.need().isEmpty() && s.is(OtaState.DOWNLOADING)) {
                toSend.or(ledger.due(s.id(), s.need(), s.received(), System.nanoTime()));
            }
            notifyAll();
        }
        progress.update(s);
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

    private void sendChunk(ReleaseImage image, int seq) throws IOException, InterruptedException {
        byte[] payload = ChunkCodec.encode(ChunkCodec.of(manifest.ver(), seq, image.chunk(seq)));
        awaitWindow();
        try {
            CompletableFuture<PublishAck> acked = session.publish(release.topics().chunk(release.target()), payload,
                    Qos.AT_LEAST_ONCE, false).toCompletableFuture();
            synchronized (this) {
                inFlight.addLast(acked);
                ledger.sent(seq, System.nanoTime());
                bytesSent += payload.length;
            }
        } catch (MqttSessionException e) {
            // The broker's receive maximum is below our window, or we are not connected right now:
            // send it again later; the device also asks again for what it misses.
            synchronized (this) {
                toSend.set(seq);
            }
            Thread.sleep(e.reason() == MqttSessionException.Reason.IN_FLIGHT_FULL ? 5 : 200);
        }
    }

    private void awaitWindow() throws InterruptedException {
        while (true) {
            CompletableFuture<PublishAck> oldest;
            synchronized (this) {
                inFlight.removeIf(CompletableFuture::isDone);
                if (inFlight.size() < release.window()) return;
                oldest = inFlight.peekFirst();
            }
            try {
                oldest.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // not yet, or refused (then done, and dropped above): look again
            }
        }
    }

    private synchronized Optional<Outcome> outcome(boolean timedOut) {
        return targets.verdict(timedOut).map(v -> new Outcome(v.success(), v.devices(), v.summary(),
                ledger.published(), manifest.count(), bytesSent, manifest.size()));
    }

    @Override
    public void close() {
        try {
            session.disconnect(Duration.ofSeconds(2), false);
        } catch (MqttSessionException e) {
            Log.warn("publisher close: " + e.getMessage());
        } finally {
            session.close();
        }
    }

    @Override
    public void disconnected(String reason) {
        Log.warn("publisher lost the broker; reconnecting");
    }
}
