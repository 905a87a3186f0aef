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
import java.util.function.Consumer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * {@link MqttSession} on Eclipse Paho MQTT v5 1.2.5, with what that version needs worked around: reads buffered
 * ({@link BufferedSocketFactory}, {@link BufferedSslSocketFactory}), threads started without Paho's sleeps
 * ({@link PromptStartExecutor}), outgoing topic aliases off ({@link OutgoingTopicAliases}), the first connect
 * retried and a wedged reconnect replaced ({@link ClientKeeper}). This class translates: our calls to Paho's,
 * Paho's callbacks to the {@link SessionListener}.
 */
public final class PahoSession implements MqttSession, MqttCallback {
    /** Paho's disconnect lets in-flight work finish for this long. */
    private static final long QUIESCE_MS = 500;

    private final SessionListener listener;
    private final ScheduledExecutorService timer;
    private final boolean ownTimer;
    private final ClientKeeper keeper;

    /** The context of a publish's token: who wants every acknowledgement of it. */
    private record AnswerTo(Consumer<PublishAck> answered) {}

    private PahoSession(SessionOptions options, SessionListener listener, ScheduledExecutorService timer) {
        this.listener = listener;
        this.ownTimer = timer == null;
        this.timer = ownTimer ? Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("reizi-mqtt-session").daemon().factory()) : timer;
        this.keeper = new ClientKeeper(options.broker(), options.clientId(), PahoOptions.of(options),
                options.connectTimeout().toMillis() + 5_000, this, this.timer);
    }

    /** Paho reads the broker URL here: a malformed one is an {@link IllegalArgumentException}. */
    public static PahoSession create(SessionOptions options, SessionListener listener, ScheduledExecutorService timer) {
        return new PahoSession(options, listener, timer);
    }

    private MqttAsyncClient client() {
        return keeper.client();
    }

    @Override
    public void connect(Duration timeout) throws MqttSessionException {
        try {
            keeper.connect(timeout.toMillis());
        } catch (MqttException e) {
            throw PahoAnswers.failure("connect to " + client().getServerURI(), e);
        }
    }

    @Override
    public void start(Backoff retries) {
        keeper.start(retries);
    }

    @Override
    public SessionState state() {
        return keeper.state();
    }

    @Override
    public boolean isConnected() {
        return client().isConnected();
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
                done.completeExceptionally(PahoAnswers.failure("subscribe", e));
            }
        };
        try {
            client().subscribe(subs, null, answer, new MqttProperties());
        } catch (MqttException e) {
            done.completeExceptionally(PahoAnswers.failure("subscribe", e));
        }
        return done;
    }

    @Override
    public void publish(String topic, byte[] payload, Qos qos, boolean retained, Consumer<PublishAck> answered)
            throws MqttSessionException {
        try {
            // The answer rides along as the token's context: set afterwards, a fast PUBACK could beat it.
            client().publish(topic, payload, qos.level(), retained, new AnswerTo(answered), null);
        } catch (MqttException e) {
            throw PahoAnswers.failure("publish to " + topic, e);
        }
    }

    @Override
    public CompletionStage<PublishAck> publish(String topic, byte[] payload, Qos qos, boolean retained)
            throws MqttSessionException {
        CompletableFuture<PublishAck> done = new CompletableFuture<>();
        MqttActionListener answer = new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                PublishAck ack = PahoAnswers.ack(token);
                if (ack.accepted()) done.complete(ack);
                else done.completeExceptionally(new MqttSessionException(Reason.REFUSED, "publish to " + topic
                        + " refused with reason code 0x" + Integer.toHexString(ack.reasonCode()), null));
            }

            @Override
            public void onFailure(IMqttToken token, Throwable e) {
                done.completeExceptionally(PahoAnswers.failure("publish to " + topic, e));
            }
        };
        try {
            client().publish(topic, payload, qos.level(), retained, null, answer);
        } catch (MqttException e) {
            throw PahoAnswers.failure("publish to " + topic, e);
        }
        return done;
    }

    @Override
    public void keepAliveFromNextConnect(Duration keepAlive) {
        int seconds = (int) keepAlive.toSeconds();
        if (keeper.options().getKeepAliveInterval() != seconds) keeper.options().setKeepAliveInterval(seconds);
    }

    @Override
    public void disconnect(Duration timeout, boolean sendWill) throws MqttSessionException {
        keeper.closed();
        MqttAsyncClient c = client();
        if (!c.isConnected()) return;
        int reason = sendWill ? 0x04 : 0x00; // "disconnect with will message", or normal disconnection
        try {
            c.disconnect(QUIESCE_MS, null, null, reason, new MqttProperties()).waitForCompletion(timeout.toMillis());
        } catch (MqttException e) {
            throw PahoAnswers.failure("disconnect", e);
        }
    }

    @Override
    public void close() {
        keeper.closed();
        if (ownTimer) timer.shutdownNow();
        MqttAsyncClient c = client();
        try {
            // As a tool's quick exit expects: what was just handed over gets 100 ms to reach the broker.
            if (c.isConnected()) c.disconnectForcibly(100, 100, true);
        } catch (MqttException e) {
            // closed below all the same
        }
        try {
            c.close(true);
        } catch (MqttException e) {
            Log.warn("MQTT close: " + e.getMessage());
        }
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        OutgoingTopicAliases.disable(client());
        listener.connected(keeper.connected(reconnect));
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        keeper.lost();
        listener.disconnected(response.getReasonString() + " "
                + (response.getException() != null ? response.getException().getMessage() : ""));
    }

    /** What the listener throws reaches Paho, which drops the connection: listeners judge their own failures. */
    @Override
    public void messageArrived(String topic, MqttMessage message) {
        listener.message(topic, message.getPayload(), message.isRetained());
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
        if (token.getUserContext() instanceof AnswerTo to) to.answered().accept(PahoAnswers.ack(token));
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        Log.error("MQTT error", exception);
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
}
