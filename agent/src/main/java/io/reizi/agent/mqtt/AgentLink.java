package io.reizi.agent.mqtt;

import io.reizi.agent.AgentConfig;
import io.reizi.agent.Guardian;
import io.reizi.agent.Log;
import io.reizi.agent.Status;
import io.reizi.agent.Updater;
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
 * Messages are handled on Paho's callback thread, one at a time, and acknowledged when the handler
 * returns, so the receive maximum bounds what is in flight. Paho's reconnect can wedge ("connect already
 * in progress" for good, when a link dies between TCP connect and CONNACK); a supervisor replaces a client
 * that has not reconnected for {@link #STUCK_SECONDS}.
 */
public final class AgentLink implements MqttCallback, Updater.StatusSink {
    private static final int QOS = 1;
    static final int STUCK_SECONDS = 20;
    private final AgentConfig config;
    private volatile MqttAsyncClient client;
    /** nanoTime since the link is down; -1 while connected. */
    private volatile long downSince = System.nanoTime();
    private final java.util.concurrent.ScheduledExecutorService supervisor =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("reizi-link").daemon().factory());
    private final Guardian guardian;
    private final MqttConnectionOptions options = new MqttConnectionOptions();
    private volatile Updater updater;

    public AgentLink(AgentConfig config, Guardian guardian) throws MqttException {
        this.config = config;
        this.guardian = guardian;
        this.client = newClient();
    }

    private MqttAsyncClient newClient() throws MqttException {
        MqttAsyncClient c = MqttClients.create(config.broker(), config.id());
        c.setCallback(this);
        return c;
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

    private void superviseLink() {
        long since = downSince;
        if (since < 0 || client.isConnected() || System.nanoTime() - since < STUCK_SECONDS * 1_000_000_000L) return;
        Log.warn("MQTT has not reconnected for " + STUCK_SECONDS + " s; replacing the client");
        try {
            replaceClient();
            downSince = System.nanoTime();
            client.connect(options);
        } catch (MqttException e) {
            Log.warn("new MQTT client: " + e.getMessage());
        }
    }

    /** Connects (retrying with backoff until it works), subscribes, then leaves reconnects to Paho. */
    public void connect(Updater updater) throws InterruptedException {
        this.updater = updater;
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
        MqttMessage will = new MqttMessage(offline(), QOS, true, new MqttProperties());
        options.setWill(config.statusTopic(), will);
        long delayMs = 500;
        while (true) {
            try {
                client.connect(options).waitForCompletion(15_000);
                supervisor.scheduleWithFixedDelay(this::superviseLink, 2, 2, java.util.concurrent.TimeUnit.SECONDS);
                return;
            } catch (MqttException e) {
                Log.warn("cannot connect to " + config.broker() + ": " + e.getMessage() + "; retrying in "
                        + delayMs + " ms");
                Thread.sleep(delayMs);
                delayMs = Math.min(delayMs * 2, 30_000);
                try {
                    replaceClient(); // a timed-out connect may still be "in progress" inside Paho
                } catch (MqttException again) {
                    Log.warn("new MQTT client: " + again.getMessage());
                }
            }
        }
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        OutgoingTopicAliases.disable(client);
        downSince = -1;
        guardian.network().connected(reconnect, System.nanoTime());
        Log.info((reconnect ? "reconnected to " : "connected to ") + serverURI);
        try {
            var ids = config.listenIds();
            MqttSubscription[] subs = new MqttSubscription[ids.size() * 2];
            for (int i = 0; i < ids.size(); i++) {
                subs[2 * i] = new MqttSubscription(config.manifestTopic(ids.get(i)), QOS);
                subs[2 * i + 1] = new MqttSubscription(config.chunkTopic(ids.get(i)), QOS);
            }
            client.subscribe(subs);
        } catch (MqttException e) {
            Log.error("subscribe failed", e);
        }
        Updater u = updater;
        if (u != null) u.onConnected();
    }

    /** Waits until the subscriptions of the first connect are in place (for READY). */
    public boolean awaitConnected(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!client.isConnected()) {
            if (System.currentTimeMillis() > deadline) return false;
            Thread.sleep(10);
        }
        return true;
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        Updater u = updater;
        if (u == null) return;
        try {
            if (topic.endsWith("/chunk")) u.onChunk(message.getPayload());
            else if (topic.endsWith("/manifest")) u.onManifest(topic, message.getPayload());
        } catch (RuntimeException | Error e) {
            // Thrown out of here, Paho would drop the connection: a panic instead, handled elsewhere.
            guardian.panic("handling a message on " + topic + " failed", e);
        }
    }

    @Override
    public void publish(Status status) {
        if (!client.isConnected()) return; // onConnected() publishes the latest status again
        try {
            // The send time rides along as the token's context: set afterwards, a fast PUBACK could beat it.
            client.publish(config.statusTopic(), status.toJson(), QOS, true, System.nanoTime(), null);
        } catch (MqttException e) {
            Log.warn("status not published: " + e.getMessage());
        }
    }

    /** Publishes and waits briefly for the PUBACK (panic path: the process may exit next). */
    public void publishAndWait(Status status, long timeoutMs) {
        if (!client.isConnected()) return;
        try {
            client.publish(config.statusTopic(), status.toJson(), QOS, true).waitForCompletion(timeoutMs);
        } catch (MqttException e) {
            Log.warn("status not published: " + e.getMessage());
        }
    }

    /** A poor link gets a longer keep-alive from the next (re)connect on, so that it is not dropped needlessly. */
    public void relaxKeepAlive(boolean relaxed) {
        int wanted = (int) config.keepAlive().toSeconds() * (relaxed ? 2 : 1);
        if (options.getKeepAliveInterval() != wanted) options.setKeepAliveInterval(wanted);
    }

    /** Orderly stop: a retained offline status (the will is only for a lost link), then disconnect. */
    public void close() {
        supervisor.shutdownNow();
        try {
            if (client.isConnected()) {
                IMqttToken t = client.publish(config.statusTopic(), offline(), QOS, true);
                t.waitForCompletion(2_000);
                client.disconnect().waitForCompletion(2_000);
            }
        } catch (MqttException e) {
            Log.warn("disconnect: " + e.getMessage());
        } finally {
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
        if (downSince < 0) downSince = System.nanoTime();
        guardian.network().disconnected();
        Log.warn("disconnected from broker: " + response.getReasonString() + " "
                + (response.getException() != null ? response.getException().getMessage() : ""));
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        Log.error("MQTT error", exception);
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
        if (token.getUserContext() instanceof Long sentAt) {
            guardian.network().ackLatency(java.time.Duration.ofNanos(System.nanoTime() - sentAt));
        }
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
}
