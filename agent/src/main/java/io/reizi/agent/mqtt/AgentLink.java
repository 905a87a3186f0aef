package io.reizi.agent.mqtt;

import io.reizi.agent.AgentConfig;
import io.reizi.agent.ContractNet;
import io.reizi.agent.Log;
import io.reizi.agent.mqtt.client.Backoff;
import io.reizi.agent.mqtt.client.MqttSession;
import io.reizi.agent.mqtt.client.MqttSessionException;
import io.reizi.agent.mqtt.client.Qos;
import io.reizi.agent.mqtt.client.SessionListener;
import io.reizi.agent.mqtt.client.SessionOptions;
import io.reizi.agent.mqtt.client.Subscription;
import io.reizi.agent.mqtt.client.Will;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Status;
import io.reizi.ota.wire.Topics;
import io.reizi.watchdog.NetworkHealth;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The agent's MQTT 5 session: persistent (clean start off) so QoS 1 chunks queued while the link is
 * down arrive on reconnect; a retained "offline" will; subscriptions renewed on every connect.
 *
 * <p>Connecting never holds the agent up: {@link #start} returns at once and the session connects in the
 * background, retrying with backoff, then reconnects on its own ({@link MqttSession}).
 * Statuses go through a {@link StatusOutbox}: kept until acknowledged, sent once connected.
 *
 * <p>Messages are handled on the session's callback thread, one at a time, and acknowledged when the handler
 * returns, so the receive maximum bounds what is in flight. What a handler throws is judged by
 * {@link HandlerFailure}: bad input is refused, only a broken agent panics.
 */
public final class AgentLink implements SessionListener, LinkControl {
    private static final Qos QOS = Qos.AT_LEAST_ONCE;
    /** Statuses in flight at most: well inside any broker's receive maximum, so the client never refuses one. */
    private static final int STATUS_WINDOW = 8;
    private static final Backoff FIRST_CONNECT = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));
    private static final Backoff RECONNECT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
    /**
     * The largest packet the agent takes, told to the broker in CONNECT (MQTT 5 Maximum Packet Size), which then
     * drops a larger message for this device instead of sending it: the shipped brokers' message_size_limit
     * (8 MiB + 1 KiB, room for a chunk index of ~230,000 chunks) plus 64 KiB for a packet's topic and properties.
     * Without it a broker with no limit delivered a retained message of any size, the agent's 64 MB heap ran out
     * on it, and it came again after every restart.
     */
    static final int MAX_PACKET_BYTES = (8 << 20) + (1 << 10) + (64 << 10);
    private final AgentConfig config;
    private final NetworkHealth network;
    private final PanicHandler panic;
    private final StatusOutbox outbox;
    /** The link's one timer thread: the session's retries and supervision, and the outbox's retries. */
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("reizi-link").daemon().factory());
    private final MqttSession session;
    private volatile Inbox inbox;

    public AgentLink(AgentConfig config, NetworkHealth network, PanicHandler panic) {
        this.config = config;
        this.network = network;
        this.panic = panic;
        this.outbox = new StatusOutbox(this::send, s -> s.sentAt(ContractNet.of(network.classify(System.nanoTime())),
                System.currentTimeMillis()), STATUS_WINDOW);
        this.session = MqttSession.create(options(config), this, timer);
    }

    private static SessionOptions options(AgentConfig config) {
        try {
            return SessionOptions.builder(config.link().broker(), config.id())
                    .cleanStart(false)
                    .sessionExpiry(config.link().sessionExpiry())
                    .keepAlive(config.link().keepAlive())
                    .receiveMaximum(config.link().receiveMax())
                    .maximumPacketSize(MAX_PACKET_BYTES)
                    .connectTimeout(Duration.ofSeconds(10))
                    .tls(config.link().tls().isPresent() ? Optional.of(config.link().tls().get().socketFactory()) : Optional.empty())
                    .will(new Will(config.statusTopic(), Status.offline(config.id(), System.currentTimeMillis()).toJson(),
                            QOS, true))
                    .reconnect(RECONNECT)
                    .build();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Starts connecting in the background and returns at once; {@code inbox} gets what arrives. */
    public void start(Inbox inbox) {
        this.inbox = inbox;
        session.start(FIRST_CONNECT);
        timer.scheduleWithFixedDelay(outbox::retry, 1, 1, TimeUnit.SECONDS); // statuses not handed over go again
    }

    @Override
    public void connected(boolean reconnect) {
        network.connected(reconnect, System.nanoTime());
        Log.info((reconnect ? "reconnected to " : "connected to ") + config.link().broker());
        List<Subscription> subs = new ArrayList<>();
        for (String id : config.listenIds()) {
            subs.add(new Subscription(config.indexTopic(id), QOS)); // retained: before its manifest
            subs.add(new Subscription(config.manifestTopic(id), QOS));
            subs.add(new Subscription(config.chunkTopic(id), QOS));
        }
        session.subscribe(subs).exceptionally(e -> {
            Log.error("subscribe failed", e);
            return null;
        });
        outbox.connected();
        Inbox in = inbox;
        if (in != null) in.onConnected();
    }

    @Override
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!session.isConnected()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(10);
        }
        return true;
    }

    @Override
    public void message(String topic, byte[] payload, boolean retained) {
        Inbox in = inbox;
        if (in == null) return;
        try {
            Optional<Topics.Firmware> message = Topics.firmwareMessage(topic);
            if (message.isEmpty()) return; // we subscribe to firmware topics only
            switch (message.get()) {
                case CHUNK -> in.onChunk(payload);
                case MANIFEST, INDEX -> in.onManifest(topic, payload);
            }
        } catch (Throwable t) {
            // Thrown out of here, the client would drop the connection; so every failure ends here, judged.
            switch (HandlerFailure.blame(t)) {
                case AGENT -> panic.panic("handling a message on " + topic + " failed", t);
                case INPUT -> refuse(in, topic, t);
            }
        }
    }

    private void refuse(Inbox in, String topic, Throwable t) {
        String detail = "the message could not be handled: " + t.getClass().getSimpleName()
                + (t instanceof StackOverflowError ? " (nested too deeply)" : t.getMessage() != null
                        ? ": " + t.getMessage().substring(0, Math.min(200, t.getMessage().length())) : "");
        Log.warn("message on " + topic + " refused (" + ErrorCode.MALFORMED.wire() + "): " + detail);
        try {
            in.refuse(topic, ErrorCode.MALFORMED, detail);
        } catch (RuntimeException | StackOverflowError e) {
            Log.error("could not report the refusal of a message on " + topic, e);
        }
    }

    /** Queues the status: it is sent once connected, and again until the broker acknowledges it. */
    public void publish(Status status) {
        outbox.offer(status);
    }

    @Override
    public boolean publishAndWait(Status status, Duration timeout) throws InterruptedException {
        outbox.offer(status);
        return outbox.awaitDelivered(timeout);
    }

    private boolean send(Status status, long ticket) {
        long sentAt = System.nanoTime();
        try {
            session.publish(config.statusTopic(), status.toJson(), QOS, true, ack -> delivered(ticket, sentAt));
            return true;
        } catch (MqttSessionException e) {
            Log.warn("status " + status.state().wire() + " not sent yet (kept, sent again): " + e.getMessage());
            return false;
        }
    }

    /** The broker answered a status: the PUBACK latency, the outbox's ticket, and the link seen to carry. */
    private void delivered(long ticket, long sentAtNanos) {
        network.ackLatency(Duration.ofNanos(System.nanoTime() - sentAtNanos));
        outbox.acked(ticket);
        Inbox in = inbox;
        if (in != null) in.onStatusDelivered();
    }

    @Override
    public void relaxKeepAlive(boolean relaxed) {
        session.keepAliveFromNextConnect(config.link().keepAlive().multipliedBy(relaxed ? 2 : 1));
    }

    /**
     * Orderly stop: a retained offline status after every status still queued, and nothing after it (a status a
     * stopping worker makes late would overwrite it), waited for up to {@code grace}
     * (a slow link needs it); if it did not get through, the disconnect asks the broker for the will, which
     * says the same. Never connected: nothing to say, nobody to say it to.
     */
    public void close(Duration grace) {
        boolean wasConnected = session.isConnected();
        try {
            outbox.offerLast(Status.offline(config.id(), System.currentTimeMillis()));
            boolean said = wasConnected && outbox.awaitDelivered(grace);
            if (wasConnected && !said) Log.warn("offline status not acknowledged within " + grace.toMillis() + " ms");
            timer.shutdownNow();
            session.disconnect(Duration.ofSeconds(2), !said);
        } catch (MqttSessionException e) {
            Log.warn("disconnect: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            timer.shutdownNow();
            session.close();
        }
    }

    @Override
    public void disconnected(String reason) {
        network.disconnected();
        outbox.disconnected();
        Inbox in = inbox;
        if (in != null) in.onDisconnected();
        Log.warn("disconnected from broker: " + reason);
    }
}
