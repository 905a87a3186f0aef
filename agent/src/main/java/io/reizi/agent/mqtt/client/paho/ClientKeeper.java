package io.reizi.agent.mqtt.client.paho;

import io.reizi.agent.Log;
import io.reizi.agent.mqtt.client.Backoff;
import io.reizi.agent.mqtt.client.SessionState;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * Keeps one Paho client connected, where Paho itself does not: its automatic reconnect only applies after a first
 * successful connect, so {@link #start} retries the first connect; and that reconnect can wedge ("connect already
 * in progress" for good, when a link dies between TCP connect and CONNACK), so a supervisor replaces a client that
 * has not reconnected for {@link #STUCK_SECONDS}, on the same broker-side session. A replaced client's callbacks
 * and tokens are dropped with it.
 */
final class ClientKeeper {
    static final int STUCK_SECONDS = 20;

    private final String broker;
    private final String clientId;
    /** Paho's options, kept for every (re)connect and replacement client. */
    private final MqttConnectionOptions options;
    private final long connectWaitMs;
    private final MqttCallback callback;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean supervising = new AtomicBoolean();
    private volatile MqttAsyncClient client;
    private volatile SessionState state = SessionState.CONNECTING;
    /** nanoTime of the last change of {@link #state}. */
    private volatile long stateSince = System.nanoTime();
    private volatile boolean everConnected;
    private Backoff retries;
    private long retryMs;

    /** A malformed broker URL is an {@link IllegalArgumentException}, here already. */
    ClientKeeper(String broker, String clientId, MqttConnectionOptions options, long connectWaitMs, MqttCallback callback,
            ScheduledExecutorService timer) {
        this.broker = broker;
        this.clientId = clientId;
        this.options = options;
        this.connectWaitMs = connectWaitMs;
        this.callback = callback;
        this.timer = timer;
        this.client = newClient();
    }

    /**
     * In-memory persistence, threads that start without Paho's sleeps, and keep-alive pings on our timer: Paho
     * would otherwise schedule them on its executor, one more thread idling for the agent's whole life.
     */
    private MqttAsyncClient newClient() {
        try {
            MqttAsyncClient c = new MqttAsyncClient(broker, clientId, new MemoryPersistence(), new LinkTimerPingSender(timer),
                    new PromptStartExecutor());
            c.setCallback(callback);
            return c;
        } catch (MqttException | RuntimeException e) {
            throw new IllegalArgumentException("MQTT client for " + broker + ": " + e.getMessage(), e);
        }
    }

    MqttAsyncClient client() {
        return client;
    }

    MqttConnectionOptions options() {
        return options;
    }

    SessionState state() {
        return state;
    }

    private void setState(SessionState next) {
        state = next;
        stateSince = System.nanoTime();
    }

    /** Connected (Paho's connectComplete); true if it is a reconnect of the session, whatever Paho says. */
    boolean connected(boolean pahoSaysReconnect) {
        setState(SessionState.CONNECTED);
        boolean again = pahoSaysReconnect || everConnected;
        everConnected = true;
        return again;
    }

    /** The connection is lost: reconnecting (on its own, supervised) if reconnects are configured. */
    void lost() {
        if (state == SessionState.CONNECTED) {
            setState(options.isAutomaticReconnect() ? SessionState.RECONNECTING : SessionState.CONNECTING);
        }
    }

    void closed() {
        setState(SessionState.CLOSED);
    }

    /** One connect now, waiting up to {@code waitMs}; on failure the client is replaced, ready for the next. */
    void connect(long waitMs) throws MqttException {
        try {
            client.connect(options).waitForCompletion(waitMs);
        } catch (MqttException e) {
            replaceClient(); // a timed-out connect may still be "in progress" inside Paho
            throw e;
        }
        superviseReconnects();
    }

    void start(Backoff retries) {
        this.retries = retries;
        this.retryMs = retries.first().toMillis();
        timer.execute(this::firstConnect);
        superviseReconnects();
    }

    /** One attempt of the first connect; on failure the next is scheduled with backoff. */
    private void firstConnect() {
        if (state != SessionState.CONNECTING) return;
        try {
            client.connect(options).waitForCompletion(connectWaitMs);
            retryMs = retries.first().toMillis();
        } catch (MqttException e) {
            if (state != SessionState.CONNECTING) return;
            Log.warn("cannot connect to " + broker + ": " + e.getMessage() + "; retrying in " + retryMs
                    + " ms (the agent runs on meanwhile)");
            replaceClient(); // a timed-out connect may still be "in progress" inside Paho
            timer.schedule(this::firstConnect, retryMs, TimeUnit.MILLISECONDS);
            retryMs = Math.min(retryMs * 2, retries.max().toMillis());
        }
    }

    private void superviseReconnects() {
        if (options.isAutomaticReconnect() && supervising.compareAndSet(false, true)) {
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
            client.connect(options);
        } catch (MqttException e) {
            Log.warn("new MQTT client: " + e.getMessage());
        }
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
}
