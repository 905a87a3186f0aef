package io.reizi.agent.mqtt.client;

import io.reizi.agent.mqtt.client.paho.PahoSession;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * One MQTT 5 client session, the only way Reizi talks MQTT: the rest of the agent never sees the client library.
 * What the session hears comes to its {@link SessionListener} on one callback thread; acknowledgements of
 * publishes come on that thread too, in order with the rest.
 *
 * <p>Once connected, a session with {@link SessionOptions#reconnect()} reconnects on its own after a lost
 * connection, and gets itself out of a reconnect that no longer makes progress. Not thread-confined: any thread
 * may publish, subscribe, or close.
 */
public interface MqttSession extends AutoCloseable {
    /** A session that runs its timers (retries, supervision) on a thread of its own. */
    static MqttSession create(SessionOptions options, SessionListener listener) {
        return PahoSession.create(options, listener, null);
    }

    /** A session that runs its timers on {@code timer}, a thread its user already has (never shut down by it). */
    static MqttSession create(SessionOptions options, SessionListener listener, ScheduledExecutorService timer) {
        return PahoSession.create(options, listener, timer);
    }

    /** Connects now, waiting up to {@code timeout}, or says why not; the session can be connected again after. */
    void connect(Duration timeout) throws MqttSessionException;

    /**
     * Starts connecting in the background and returns at once: failed first connects are retried with
     * {@code retries} until one succeeds or the session is closed. The listener hears the connect.
     */
    void start(Backoff retries);

    SessionState state();

    boolean isConnected();

    /** Subscribes; completes with the broker's SUBACK, exceptionally if it refused a filter or none came. */
    CompletionStage<Void> subscribe(List<Subscription> subscriptions);

    /**
     * Hands a message to the client. {@code answered} runs on the callback thread with the broker's
     * acknowledgement (QoS 0: once written), also when the message is sent again after a reconnect; never when
     * the client is replaced or closed first. Throws when the message cannot be handed over now.
     */
    void publish(String topic, byte[] payload, Qos qos, boolean retained, Consumer<PublishAck> answered)
            throws MqttSessionException;

    /**
     * Hands a message to the client; completes with the broker's acknowledgement, exceptionally when the broker
     * refuses it or the connection is lost first (it may still be sent again after a reconnect, unseen here).
     * Throws when the message cannot be handed over now.
     */
    CompletionStage<PublishAck> publish(String topic, byte[] payload, Qos qos, boolean retained)
            throws MqttSessionException;

    /** The keep-alive asked for from the next (re)connect on. */
    void keepAliveFromNextConnect(Duration keepAlive);

    /**
     * Orderly end of the connection, waiting up to {@code timeout}: with {@code sendWill} the broker is asked to
     * publish the will all the same (MQTT 5 reason code 0x04). No reconnect follows; {@link #close} still must.
     */
    void disconnect(Duration timeout, boolean sendWill) throws MqttSessionException;

    /**
     * Ends the connection at once if there is one: what is in flight gets 100 ms, then a normal DISCONNECT if it
     * goes out within 100 ms more (so the broker drops the will); frees the client's threads. No reconnect follows.
     */
    @Override
    void close();
}
