package io.reizi.agent.mqtt.client.paho;

import io.reizi.agent.Log;
import io.reizi.agent.mqtt.client.Backoff;
import io.reizi.agent.mqtt.client.MqttSession;
import io.reizi.agent.mqtt.client.MqttSessionException;
import io.reizi.agent.mqtt.client.MqttSessionException.Reason;
import io.reizi.agent.mqtt.client.PublishAck;
import io.reizi.agent.mqtt.client.Qos;
import io.reizi.agent.mqtt.client.SessionListener;
import io.reizi.agent.mqtt.client.SessionOptions;
import io.reizi.agent.mqtt.client.SessionState;
import io.reizi.agent.mqtt.client.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * {@link MqttSession} on Eclipse Paho MQTT v5 1.2.5, with what that version needs worked around: reads buffered
 * ({@link BufferedSocketFactory}, {@link BufferedSslSocketFactory}), threads started without Paho's sleeps
 * ({@link PromptStartExecutor}), outgoing topic aliases off ({@link OutgoingTopicAliases}), in-memory persistence.
 *
 * <p>Paho's automatic reconnect only applies after a first successful connect, so {@link #start} retries the
 * first connect itself. That reconnect can also wedge ("connect already in progress" for good, when a link dies
 * between TCP connect and CONNACK): a supervisor replaces a client that has not reconnected for
 * {@link #STUCK_SECONDS}, on the same broker-side session. Tokens and callbacks of a replaced client are dropped.
 */
public final class PahoSession implements MqttSession, MqttCallback {
    static final int STUCK_SECONDS = 20;
    /** Paho's disconnect lets in-flight work finish for this long. */
    private static final long QUIESCE_MS = 500;

    private final SessionOptions options;
    private final SessionListener listener;
    private final ScheduledExecutorService timer;
    private final boolean ownTimer;
    /** Paho's options, kept for every (re)connect and replacement client; only the keep-alive changes. */
    private final MqttConnectionOptions paho;
    private final AtomicBoolean supervising = new AtomicBoolean();
    private volatile MqttAsyncClient client;
    private volatile SessionState state = SessionState.CONNECTING;
    /** nanoTime of the last change of {@link #state}. */
    private volatile long stateSince = System.nanoTime();
    private volatile boolean everConnected;
    private Backoff retries;
    private long retryMs;

    /** The context of a publish's token: who wants the broker's answer. */
    private record AnswerTo(Consumer<PublishAck> answered) {}

    private PahoSession(SessionOptions options, SessionListener listener, ScheduledExecutorService timer) {
        this.options = options;
        this.listener = listener;
        this.ownTimer = timer == null;
        this.timer = ownTimer ? Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("reizi-mqtt-session").daemon().factory()) : timer;
        this.paho = PahoOptions.of(options);
        this.client = newClient();
    }

    /** Paho reads the broker URL here: a malformed one is an {@link IllegalArgumentException}. */
    public static PahoSession create(SessionOptions options, SessionListener listener, ScheduledExecutorService timer) {
        return new PahoSession(options, listener, timer);
    }

    private MqttAsyncClient newClient() {
        try {
            MqttAsyncClient c = new MqttAsyncClient(options.broker(), options.clientId(), new MemoryPersistence(), null,
                    new PromptStartExecutor());
            c.setCallback(this);
            return c;
        } catch (MqttException | RuntimeException e) {
            throw new IllegalArgumentException("MQTT client for " + options.broker() + ": " + e.getMessage(), e);
        }
    }

    private void setState(SessionState next) {
        state = next;
        stateSince = System.nanoTime();
    }

    /** Drops a wedged client without waiting for it, and starts a new one on the same (broker-side) session. */
    private void replaceClient() {
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

    @Override
    public void connect(Duration timeout) throws MqttSessionException {
        try {
            client.connect(paho).waitForCompletion(timeout.toMillis());
        } catch (MqttException e) {
            replaceClient(); // a timed-out connect may still be "in progress" inside Paho
            throw translate("connect to " + options.broker(), e);
        }
        superviseReconnects();
    }

    @Override
    public void start(Backoff retries) {
        this.retries = retries;
        this.retryMs = retries.first().toMillis();
        timer.execute(this::firstConnect);
        superviseReconnects();
    }

    /** One attempt of the first connect; on failure the next is scheduled with backoff. */
    private void firstConnect() {
        if (state != SessionState.CONNECTING) return;
        try {
            client.connect(paho).waitForCompletion(options.connectTimeout().toMillis() + 5_000);
            retryMs = retries.first().toMillis();
        } catch (MqttException e) {
            if (state != SessionState.CONNECTING) return;
            Log.warn("cannot connect to " + options.broker() + ": " + e.getMessage() + "; retrying in " + retryMs
                    + " ms (the agent runs on meanwhile)");
            replaceClient(); // a timed-out connect may still be "in progress" inside Paho
            timer.schedule(this::firstConnect, retryMs, TimeUnit.MILLISECONDS);
            retryMs = Math.min(retryMs * 2, retries.max().toMillis());
        }
    }

    private void superviseReconnects() {
        if (options.reconnect().isPresent() && supervising.compareAndSet(false, true)) {
            timer.scheduleWithFixedDelay(this::supervise, 1, 1, TimeUnit.SECONDS);
        }
    }

    /** Every second: a reconnect that has not succeeded for {@link #STUCK_SECONDS} gets a new client. */
    private void supervise() {
        if (state != SessionState.RECONNECTING || client.isConnected()
                || System.nanoTime() - stateSince < STUCK_SECONDS * 1_000_000_000L) return;
        Log.warn("MQTT has not reconnected for " + STUCK_SECONDS + " s; replacing the client");
        replaceClient();
        stateSince = System.nanoTime();
        try {
            client.connect(paho);
        } catch (MqttException e) {
            Log.warn("new MQTT client: " + e.getMessage());
        }
    }

    @Override
    public SessionState state() {
        return state;
    }

    @Override
    public boolean isConnected() {
        return client.isConnected();
    }

    @Override
    public CompletionStage<Void> subscribe(List<Subscription> subscriptions) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        MqttSubscription[] subs = subscriptions.stream()
                .map(s -> new MqttSubscription(s.topicFilter(), s.qos().level())).toArray(MqttSubscription[]::new);
        MqttActionListener answer = new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                int[] codes = token.getReasonCodes();
                for (int i = 0; codes != null && i < codes.length; i++) {
                    if (codes[i] >= 0x80) {
                        done.completeExceptionally(new MqttSessionException(Reason.REFUSED, "subscription to "
                                + subs[Math.min(i, subs.length - 1)].getTopic() + " refused with reason code 0x"
                                + Integer.toHexString(codes[i]), null));
                        return;
                    }
                }
                done.complete(null);
            }

            @Override
            public void onFailure(IMqttToken token, Throwable e) {
                done.completeExceptionally(e instanceof MqttException m ? translate("subscribe", m)
                        : new MqttSessionException(Reason.FAILED, "subscribe: " + e, e));
            }
        };
        try {
            client.subscribe(subs, null, answer, new MqttProperties());
        } catch (MqttException e) {
            done.completeExceptionally(translate("subscribe", e));
        }
        return done;
    }

    @Override
    public void publish(String topic, byte[] payload, Qos qos, boolean retained, Consumer<PublishAck> answered)
            throws MqttSessionException {
        try {
            // The answer rides along as the token's context: set afterwards, a fast PUBACK could beat it.
            client.publish(topic, payload, qos.level(), retained, new AnswerTo(answered), null);
        } catch (MqttException e) {
            throw translate("publish to " + topic, e);
        }
    }

    @Override
    public CompletionStage<PublishAck> publish(String topic, byte[] payload, Qos qos, boolean retained)
            throws MqttSessionException {
        CompletableFuture<PublishAck> done = new CompletableFuture<>();
        MqttActionListener answer = new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                PublishAck ack = ackOf(token);
                if (ack.accepted()) done.complete(ack);
                else done.completeExceptionally(new MqttSessionException(Reason.REFUSED, "publish to " + topic
                        + " refused with reason code 0x" + Integer.toHexString(ack.reasonCode()), null));
            }

            @Override
            public void onFailure(IMqttToken token, Throwable e) {
                done.completeExceptionally(e instanceof MqttException m ? translate("publish to " + topic, m)
                        : new MqttSessionException(Reason.FAILED, "publish to " + topic + ": " + e, e));
            }
        };
        try {
            client.publish(topic, payload, qos.level(), retained, null, answer);
        } catch (MqttException e) {
            throw translate("publish to " + topic, e);
        }
        return done;
    }

    @Override
    public void keepAliveFromNextConnect(Duration keepAlive) {
        int seconds = (int) keepAlive.toSeconds();
        if (paho.getKeepAliveInterval() != seconds) paho.setKeepAliveInterval(seconds);
    }

    @Override
    public void disconnect(Duration timeout, boolean sendWill) throws MqttSessionException {
        setState(SessionState.CLOSED);
        if (!client.isConnected()) return;
        int reason = sendWill ? 0x04 : 0x00; // "disconnect with will message", or normal disconnection
        try {
            client.disconnect(QUIESCE_MS, null, null, reason, new MqttProperties()).waitForCompletion(timeout.toMillis());
        } catch (MqttException e) {
            throw translate("disconnect", e);
        }
    }

    @Override
    public void close() {
        setState(SessionState.CLOSED);
        if (ownTimer) timer.shutdownNow();
        try {
            if (client.isConnected()) client.disconnectForcibly(0, 100, true);
        } catch (MqttException e) {
            // closed below all the same
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            Log.warn("MQTT close: " + e.getMessage());
        }
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        OutgoingTopicAliases.disable(client);
        setState(SessionState.CONNECTED);
        // A replaced client's first connect is the session's reconnect, whatever Paho says.
        boolean again = reconnect || everConnected;
        everConnected = true;
        Log.info((again ? "reconnected to " : "connected to ") + serverURI);
        listener.connected(again);
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        if (state == SessionState.CONNECTED) {
            setState(options.reconnect().isPresent() ? SessionState.RECONNECTING : SessionState.CONNECTING);
        }
        listener.disconnected(response.getReasonString() + " "
                + (response.getException() != null ? response.getException().getMessage() : ""));
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        listener.message(topic, message.getPayload(), message.isRetained());
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
        if (token.getUserContext() instanceof AnswerTo to) to.answered().accept(ackOf(token));
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        Log.error("MQTT error", exception);
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}

    private static PublishAck ackOf(IMqttToken token) {
        int[] codes = token.getReasonCodes();
        return new PublishAck(codes != null && codes.length > 0 ? codes[0] : 0);
    }

    /** Paho's reason codes, in words a caller can act on. */
    static MqttSessionException translate(String what, MqttException e) {
        int code = e.getReasonCode();
        Reason reason = switch (code) {
            case MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED -> Reason.NOT_CONNECTED;
            case MqttClientException.REASON_CODE_MAX_INFLIGHT -> Reason.IN_FLIGHT_FULL;
            case MqttClientException.REASON_CODE_CLIENT_TIMEOUT -> Reason.TIMED_OUT;
            default -> code >= 0x80 && code <= 0xff || hasCause(e, SSLException.class) ? Reason.REFUSED : Reason.FAILED;
        };
        return new MqttSessionException(reason, what + ": " + e.getMessage() + " (" + code + ")", e);
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) return true;
        }
        return false;
    }
}
