package io.reizi.e2e;

import io.reizi.agent.mqtt.client.Backoff;
import io.reizi.agent.mqtt.client.MqttSession;
import io.reizi.agent.mqtt.client.Qos;
import io.reizi.agent.mqtt.client.SessionListener;
import io.reizi.agent.mqtt.client.SessionOptions;
import io.reizi.agent.mqtt.client.Subscription;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import io.reizi.ota.wire.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** An operator watching the fleet: every status on /ota/status/#, in arrival order, survives broker restarts. */
final class StatusWatcher implements SessionListener, AutoCloseable {
    private static final List<Subscription> ALL = List.of(new Subscription(Topics.defaults().allStatuses(), Qos.AT_LEAST_ONCE));
    private final MqttSession session;
    private final List<Status> seen = new ArrayList<>();

    StatusWatcher(String broker) throws Exception {
        // A persistent session: statuses published while the broker restarts are not lost to the test.
        session = MqttSession.create(SessionOptions.builder(broker, "watch-" + UUID.randomUUID().toString().substring(0, 8))
                .cleanStart(false).sessionExpiry(Duration.ofSeconds(300))
                .reconnect(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2))).build(), this);
        session.connect(Duration.ofSeconds(30));
        session.subscribe(ALL).toCompletableFuture().get(30, TimeUnit.SECONDS);
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

    Status awaitState(int mark, String id, long ver, OtaState state, Duration timeout) throws InterruptedException {
        return await(mark, id, s -> s.ver() != null && s.ver() == ver && s.state() == state, timeout);
    }

    static String describe(List<Status> list) {
        StringBuilder b = new StringBuilder();
        for (Status s : list) {
            b.append("\n  ").append(s.state().wire()).append(" ver=").append(s.ver());
            if (s.received() != null) b.append(" ").append(s.received()).append("/").append(s.count());
            if (s.error() != null) b.append(" error=").append(s.error().wire()).append(" (").append(s.detail()).append(")");
        }
        return b.toString();
    }

    @Override
    public void message(String topic, byte[] payload, boolean retained) {
        Status s;
        try {
            s = Status.parse(payload);
        } catch (Exception e) {
            throw new IllegalStateException("unreadable status on " + topic, e);
        }
        synchronized (this) {
            seen.add(s);
            notifyAll();
        }
    }

    @Override
    public void close() {
        session.close();
    }

    @Override
    public void connected(boolean reconnect) {
        if (reconnect) session.subscribe(ALL).exceptionally(e -> {
            System.err.println("watcher resubscribe failed: " + e);
            return null;
        });
    }
}
