package io.reizi.e2e;

import io.reizi.agent.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/** An operator watching the fleet: every status on /ota/status/#, in arrival order, survives broker restarts. */
final class StatusWatcher implements MqttCallback, AutoCloseable {
    private final MqttClient client;
    private final List<Status> seen = new ArrayList<>();

    StatusWatcher(String broker) throws MqttException {
        client = new MqttClient(broker, "watch-" + UUID.randomUUID().toString().substring(0, 8), new MemoryPersistence());
        client.setCallback(this);
        MqttConnectionOptions o = new MqttConnectionOptions();
        // A persistent session: statuses published while the broker restarts are not lost to the test.
        o.setCleanStart(false);
        o.setSessionExpiryInterval(300L);
        o.setAutomaticReconnect(true);
        o.setAutomaticReconnectDelay(1, 2);
        client.connect(o);
        client.subscribe("/ota/status/#", 1);
    }

    /** Index of the next status to arrive; pass it to {@link #await} to ignore the past. */
    synchronized int mark() {
        return seen.size();
    }

    synchronized List<Status> since(int mark, String id) {
        return seen.subList(mark, seen.size()).stream().filter(s -> id.equals(s.id())).toList();
    }

    /** The first status of {@code id} since {@code mark} that matches, waiting up to {@code timeout}. */
    synchronized Status await(int mark, String id, Predicate<Status> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int i = mark;
        while (true) {
            for (; i < seen.size(); i++) {
                Status s = seen.get(i);
                if (id.equals(s.id()) && match.test(s)) return s;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching status from " + id + " within " + timeout + "; saw: "
                        + describe(since(mark, id)));
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    Status awaitState(int mark, String id, long ver, String state, Duration timeout) throws InterruptedException {
        return await(mark, id, s -> s.ver() != null && s.ver() == ver && state.equals(s.state()), timeout);
    }

    static String describe(List<Status> list) {
        StringBuilder b = new StringBuilder();
        for (Status s : list) {
            b.append("\n  ").append(s.state()).append(" ver=").append(s.ver());
            if (s.received() != null) b.append(" ").append(s.received()).append("/").append(s.count());
            if (s.error() != null) b.append(" error=").append(s.error()).append(" (").append(s.detail()).append(")");
        }
        return b.toString();
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) throws Exception {
        Status s = Status.parse(message.getPayload());
        synchronized (this) {
            seen.add(s);
            notifyAll();
        }
    }

    @Override
    public void close() throws MqttException {
        client.disconnectForcibly(100, 100);
        client.close(true);
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        if (!reconnect) return;
        // A blocking call must not run on Paho's callback thread.
        Thread.ofVirtual().start(() -> {
            try {
                client.subscribe("/ota/status/#", 1);
            } catch (MqttException e) {
                System.err.println("watcher resubscribe failed: " + e);
            }
        });
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {}

    @Override
    public void mqttErrorOccurred(MqttException exception) {}

    @Override
    public void deliveryComplete(IMqttToken token) {}

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
}
