package io.reizi.agent.mqtt;

import io.reizi.agent.AgentConfig;
import io.reizi.agent.Log;
import io.reizi.agent.Status;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.watchdog.NetworkHealth;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * The agent's MQTT 5 session: persistent (clean start off) so QoS 1 chunks queued while the link is
 * down arrive on reconnect; a retained "offline" will; subscriptions renewed on every connect.
 *
 * <p>Connecting never holds the agent up: {@link #start} returns at once and the first connect is retried in
 * the background with backoff (Paho's automatic reconnect only applies after a first successful connect).
 * Statuses go through a {@link StatusOutbox}: kept until acknowledged, sent once connected.
 *
 * <p>Messages are handled on Paho's callback thread, one at a time, and acknowledged when the handler
 * returns, so the receive maximum bounds what is in flight. What a handler throws is judged by
 * {@link HandlerFailure}: bad input is refused, only a broken agent panics. Paho's reconnect can wedge
 * ("connect already in progress" for good, when a link dies between TCP connect and CONNACK); a supervisor
 * replaces a client that has not reconnected for {@link #STUCK_SECONDS}.
 */
public final class AgentLink implements MqttCallback, LinkControl {
    /** Where the session is. */
    enum State {
        /** Never connected yet: our own retries with backoff. */
        CONNECTING,
        CONNECTED,
        /** Lost after a connect: Paho's automatic reconnect, supervised. */
        RECONNECTING,
        CLOSED
    }

    private static final int QOS = 1;
    static final int STUCK_SECONDS = 20;
    /** Statuses in flight at most: well inside any broker's receive maximum, so Paho never refuses one. */
    private static final int STATUS_WINDOW = 8;
    private static final long FIRST_RETRY_MS = 500, MAX_RETRY_MS = 30_000;
    private final AgentConfig config;
    private final NetworkHealth network;
    private final PanicHandler panic;
    private final MqttConnectionOptions options = new MqttConnectionOptions();
    private final StatusOutbox outbox;
    private final ScheduledExecutorService supervisor =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("reizi-link").daemon().factory());
    private volatile MqttAsyncClient client;
    private volatile State state = State.CONNECTING;
    /** nanoTime of the last change of {@link #state}. */
    private volatile long stateSince = System.nanoTime();
    private volatile Inbox inbox;
    private long retryMs = FIRST_RETRY_MS;

    /** The token's context of a status publish: which outbox send it is and when it left (for the PUBACK latency). */
    private record Sent(long ticket, long atNanos) {}

    public AgentLink(AgentConfig config, NetworkHealth network, PanicHandler panic) throws MqttException {
        this.config = config;
        this.network = network;
        this.panic = panic;
        this.outbox = new StatusOutbox(this::send, s -> s.sentAt(network.classify(System.nanoTime()),
                System.currentTimeMillis()), STATUS_WINDOW);
        this.client = newClient();
    }

    private MqttAsyncClient newClient() throws MqttException {
        MqttAsyncClient c = MqttClients.create(config.broker(), config.id());
        c.setCallback(this);
        return c;
    }

    private void setState(State next) {
        state = next;
        stateSince = System.nanoTime();
    }

    /** Drops a wedged client without waiting for it, and starts a new one on the same (broker-side) session. */
    private void replaceClient() throws MqttException {
        MqttAsyncClient old = client;
        old.setCallback(null);
        Thread.ofVirtual().start(() -> {
            try {
                old.disconnectForcibly(0, 0, false);
            } catch (MqttException ignored) {
                // it is being thrown away
            }
            try {
                old.close(true);
            } catch (MqttException ignored) {
                // idem
            }
        });
        client = newClient();
    }

    /** Starts connecting in the background and returns at once; {@code inbox} gets what arrives. */
    public void start(Inbox inbox) {
        this.inbox = inbox;
        options.setCleanStart(false);
        options.setSessionExpiryInterval(config.sessionExpiry().toSeconds());
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay(1, 30);
        options.setKeepAliveInterval((int) config.keepAlive().toSeconds());
        options.setReceiveMaximum(config.receiveMax());
        options.setConnectionTimeout(10);
        if (config.tls().isPresent()) {
            try {
                options.setSocketFactory(new BufferedSslSocketFactory(config.tls().get().socketFactory()));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        } else {
            options.setSocketFactory(new BufferedSocketFactory());
        }
        options.setWill(config.statusTopic(), new MqttMessage(offline(), QOS, true, new MqttProperties()));
        supervisor.execute(this::firstConnect);
        supervisor.scheduleWithFixedDelay(this::supervise, 1, 1, TimeUnit.SECONDS);
    }

    /** One attempt of the first connect; on failure the next is scheduled with backoff (0.5 s doubling to 30 s). */
    private void firstConnect() {
        if (state != State.CONNECTING) return;
        try {
            client.connect(options).waitForCompletion(15_000);
            retryMs = FIRST_RETRY_MS;
        } catch (MqttException e) {
            if (state != State.CONNECTING) return;
            Log.warn("cannot connect to " + config.broker() + ": " + e.getMessage() + "; retrying in " + retryMs
                    + " ms (the agent runs on meanwhile)");
            try {
                replaceClient(); // a timed-out connect may still be "in progress" inside Paho
            } catch (MqttException again) {
                Log.warn("new MQTT client: " + again.getMessage());
            }
            supervisor.schedule(this::firstConnect, retryMs, TimeUnit.MILLISECONDS);
            retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
        }
    }

    /** Every second: statuses that could not be handed over go again; a wedged reconnect gets a new client. */
    private void supervise() {
        outbox.retry();
        if (state != State.RECONNECTING || client.isConnected()
                || System.nanoTime() - stateSince < STUCK_SECONDS * 1_000_000_000L) return;
        Log.warn("MQTT has not reconnected for " + STUCK_SECONDS + " s; replacing the client");
        try {
            replaceClient();
            stateSince = System.nanoTime();
            client.connect(options);
        } catch (MqttException e) {
            Log.warn("new MQTT client: " + e.getMessage());
        }
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        OutgoingTopicAliases.disable(client);
        setState(State.CONNECTED);
        network.connected(reconnect, System.nanoTime());
        Log.info((reconnect ? "reconnected to " : "connected to ") + serverURI);
        try {
            var ids = config.listenIds();
            MqttSubscription[] subs = new MqttSubscription[ids.size() * 3];
            for (int i = 0; i < ids.size(); i++) {
                subs[3 * i] = new MqttSubscription(config.indexTopic(ids.get(i)), QOS); // retained: before its manifest
                subs[3 * i + 1] = new MqttSubscription(config.manifestTopic(ids.get(i)), QOS);
                subs[3 * i + 2] = new MqttSubscription(config.chunkTopic(ids.get(i)), QOS);
            }
            client.subscribe(subs);
        } catch (MqttException e) {
            Log.error("subscribe failed", e);
        }
        outbox.connected();
        Inbox in = inbox;
        if (in != null) in.onConnected();
    }

    @Override
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!client.isConnected()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(10);
        }
        return true;
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        Inbox in = inbox;
        if (in == null) return;
        try {
            if (topic.endsWith("/chunk")) in.onChunk(message.getPayload());
            else if (topic.endsWith("/manifest") || topic.endsWith("/index")) in.onManifest(topic, message.getPayload());
        } catch (Throwable t) {
            // Thrown out of here, Paho would drop the connection; so every failure ends here, judged.
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
        try {
            // The send time rides along as the token's context: set afterwards, a fast PUBACK could beat it.
            client.publish(config.statusTopic(), status.toJson(), QOS, true, new Sent(ticket, System.nanoTime()), null);
            return true;
        } catch (MqttException e) {
            Log.warn("status " + status.state() + " not sent yet (kept, sent again): " + e.getMessage());
            return false;
        }
    }

    @Override
    public void relaxKeepAlive(boolean relaxed) {
        int wanted = (int) config.keepAlive().toSeconds() * (relaxed ? 2 : 1);
        if (options.getKeepAliveInterval() != wanted) options.setKeepAliveInterval(wanted);
    }

    /**
     * Orderly stop: a retained offline status after every status still queued, and nothing after it (a status a
     * stopping worker makes late would overwrite it), waited for up to {@code grace}
     * (a slow link needs it); if it did not get through, the disconnect asks the broker for the will, which
     * says the same. Never connected: nothing to say, nobody to say it to.
     */
    public void close(Duration grace) {
        boolean wasConnected = client.isConnected();
        setState(State.CLOSED);
        try {
            outbox.offerLast(Status.offline(config.id(), System.currentTimeMillis()));
            boolean said = wasConnected && outbox.awaitDelivered(grace);
            if (wasConnected && !said) Log.warn("offline status not acknowledged within " + grace.toMillis() + " ms");
            supervisor.shutdownNow();
            if (client.isConnected()) {
                int reason = said ? 0x00 : 0x04; // normal disconnection, or "disconnect with will message"
                client.disconnect(500, null, null, reason, new MqttProperties()).waitForCompletion(2_000);
            }
        } catch (MqttException e) {
            Log.warn("disconnect: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            supervisor.shutdownNow();
            try {
                client.close(true);
            } catch (MqttException e) {
                Log.warn("close: " + e.getMessage());
            }
        }
    }

    private byte[] offline() {
        return Status.offline(config.id(), System.currentTimeMillis()).toJson();
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        if (state == State.CONNECTED) setState(State.RECONNECTING);
        network.disconnected();
        outbox.disconnected();
        Inbox in = inbox;
        if (in != null) in.onDisconnected();
        Log.warn("disconnected from broker: " + response.getReasonString() + " "
                + (response.getException() != null ? response.getException().getMessage() : ""));
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        Log.error("MQTT error", exception);
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
        if (token.getUserContext() instanceof Sent sent) {
            network.ackLatency(Duration.ofNanos(System.nanoTime() - sent.atNanos()));
            outbox.acked(sent.ticket());
            Inbox in = inbox;
            if (in != null) in.onStatusDelivered();
        }
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
}
