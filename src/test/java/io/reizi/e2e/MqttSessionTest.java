package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.mqtt.client.Backoff;
import io.reizi.agent.mqtt.client.MqttSession;
import io.reizi.agent.mqtt.client.MqttSessionException;
import io.reizi.agent.mqtt.client.PublishAck;
import io.reizi.agent.mqtt.client.Qos;
import io.reizi.agent.mqtt.client.SessionListener;
import io.reizi.agent.mqtt.client.SessionOptions;
import io.reizi.agent.mqtt.client.SessionState;
import io.reizi.agent.mqtt.client.Subscription;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MQTT adapter ({@link MqttSession} on Paho) against a real Mosquitto: connect, subscribe, publish with the
 * broker's acknowledgement, what the listener hears and in which order, a reconnect into the kept session after
 * the broker restarts, a first connect retried until the broker comes, and the Paho work-arounds it carries
 * (no start-up sleeps, message handlers never interrupted).
 */
class MqttSessionTest {
    @TempDir
    Path dir;

    /** What a listener hears, in order, as text; and the thread it heard the first message on. */
    static final class Events implements SessionListener {
        final BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        volatile Thread messageThread;

        @Override
        public void connected(boolean reconnect) {
            seen.add(reconnect ? "reconnected" : "connected");
        }

        @Override
        public void disconnected(String reason) {
            seen.add("disconnected");
        }

        @Override
        public void message(String topic, byte[] payload, boolean retained) {
            if (messageThread == null) messageThread = Thread.currentThread();
            seen.add(topic + " " + new String(payload) + (retained ? " (retained)" : ""));
        }

        String next() throws InterruptedException {
            String e = seen.poll(30, TimeUnit.SECONDS);
            assertNotNull(e, "the listener heard nothing within 30 s");
            return e;
        }
    }

    private static SessionOptions.Builder options(Mosquitto broker, String clientId) {
        return SessionOptions.builder(broker.url(), clientId).connectTimeout(Duration.ofSeconds(10));
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void connectsSubscribesPublishesWithAcknowledgementAndTellsTheListenerInOrder() throws Exception {
        try (Mosquitto broker = Mosquitto.start(dir)) {
            Events events = new Events();
            try (MqttSession s = MqttSession.create(options(broker, "adapter").build(), events)) {
                assertEquals(SessionState.CONNECTING, s.state());
                s.connect(Duration.ofSeconds(10));
                assertEquals("connected", events.next());
                assertTrue(s.isConnected());
                assertEquals(SessionState.CONNECTED, s.state());

                await(s.subscribe(List.of(new Subscription("t/+", Qos.AT_LEAST_ONCE))));
                PublishAck ack = await(s.publish("t/1", "one".getBytes(), Qos.AT_LEAST_ONCE, false));
                assertTrue(ack.accepted(), "PUBACK reason code " + ack.reasonCode());
                assertEquals("t/1 one", events.next());

                // The callback form: the broker's answer on the thread that delivers messages, after those before it.
                CompletableFuture<Thread> answeredOn = new CompletableFuture<>();
                s.publish("t/2", "two".getBytes(), Qos.AT_LEAST_ONCE, false, a -> answeredOn.complete(Thread.currentThread()));
                assertEquals("t/2 two", events.next());
                assertEquals(events.messageThread, answeredOn.get(10, TimeUnit.SECONDS));

                // Retained: a later subscriber gets it, marked as such; a live one does not see the mark.
                await(s.publish("r/1", "kept".getBytes(), Qos.AT_LEAST_ONCE, true));
                await(s.subscribe(List.of(new Subscription("r/1", Qos.AT_LEAST_ONCE))));
                assertEquals("r/1 kept (retained)", events.next());

                s.disconnect(Duration.ofSeconds(5), false);
                assertFalse(s.isConnected());
                assertEquals(SessionState.CLOSED, s.state());
                assertThrows(MqttSessionException.class, () -> s.publish("t/3", new byte[] {3}, Qos.AT_LEAST_ONCE, false));
            }
            assertTrue(events.seen.isEmpty(), "after an orderly disconnect nothing more: " + events.seen);
        }
    }

    @Test
    void withoutAConnectionPublishAndConnectSayWhy() throws Exception {
        int nobody = Mosquitto.freePort();
        SessionOptions o = SessionOptions.builder("tcp://127.0.0.1:" + nobody, "lonely").connectTimeout(Duration.ofSeconds(2)).build();
        try (MqttSession s = MqttSession.create(o, new SessionListener() {})) {
            MqttSessionException notYet = assertThrows(MqttSessionException.class,
                    () -> s.publish("t", new byte[] {1}, Qos.AT_LEAST_ONCE, false));
            assertEquals(MqttSessionException.Reason.NOT_CONNECTED, notYet.reason());
            MqttSessionException refused = assertThrows(MqttSessionException.class, () -> s.connect(Duration.ofSeconds(5)));
            assertTrue(refused.getMessage().contains(String.valueOf(nobody)), refused.getMessage());
            assertEquals(SessionState.CONNECTING, s.state());
        }
        assertThrows(IllegalArgumentException.class,
                () -> MqttSession.create(SessionOptions.builder("not a url", "x").build(), new SessionListener() {}));
    }

    /** The broker restarts (its persistence kept): the session reconnects on its own, and the broker kept it. */
    @Test
    void reconnectsAfterTheBrokerRestartsIntoTheKeptSession() throws Exception {
        try (Mosquitto broker = Mosquitto.start(dir)) {
            Events events = new Events();
            SessionOptions o = options(broker, "persistent").cleanStart(false).sessionExpiry(Duration.ofMinutes(5))
                    .reconnect(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2))).build();
            try (MqttSession s = MqttSession.create(o, events);
                    MqttSession other = MqttSession.create(options(broker, "other").build(), new SessionListener() {})) {
                s.connect(Duration.ofSeconds(10));
                assertEquals("connected", events.next());
                await(s.subscribe(List.of(new Subscription("q/1", Qos.AT_LEAST_ONCE))));

                broker.restart(500);
                assertEquals("disconnected", events.next());
                assertEquals("reconnected", events.next());
                assertEquals(SessionState.CONNECTED, s.state());

                // Not subscribed again: the broker kept the subscription with the session.
                other.connect(Duration.ofSeconds(10));
                await(other.publish("q/1", "after".getBytes(), Qos.AT_LEAST_ONCE, false));
                assertEquals("q/1 after", events.next());
                assertTrue(await(s.publish("q/2", "mine".getBytes(), Qos.AT_LEAST_ONCE, false)).accepted());
            }
        }
    }

    /**
     * The wedged reconnect: the link dies, and the reconnect's TCP connect succeeds but its CONNACK never comes
     * (Paho then waits out its connect timeout, here 120 s, or for good when it wedges). The link carries again
     * soon after; the supervisor replaces the stuck client after 20 s and the session is back well before
     * Paho's own timeout would have let it retry.
     */
    @Test
    void aReconnectStuckBeforeItsConnackIsReplaced() throws Exception {
        try (Mosquitto broker = Mosquitto.start(dir); SwallowingRelay relay = new SwallowingRelay(broker.url())) {
            Events events = new Events();
            SessionOptions o = SessionOptions.builder(relay.url(), "stuck").cleanStart(false)
                    .sessionExpiry(Duration.ofMinutes(5)).connectTimeout(Duration.ofSeconds(120))
                    .reconnect(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2))).build();
            try (MqttSession s = MqttSession.create(o, events)) {
                s.connect(Duration.ofSeconds(10));
                assertEquals("connected", events.next());

                relay.swallow(true);
                relay.dropAll();
                long lost = System.nanoTime();
                assertEquals("disconnected", events.next());
                Thread.sleep(3_000); // Paho's reconnect is now inside a connect that will never be answered
                assertEquals(SessionState.RECONNECTING, s.state());
                relay.swallow(false);

                assertEquals("reconnected", events.next());
                long seconds = (System.nanoTime() - lost) / 1_000_000_000L;
                assertTrue(seconds < 60, "back after " + seconds + " s: the stuck connect was waited out, not replaced");
                assertTrue(await(s.publish("t", "back".getBytes(), Qos.AT_LEAST_ONCE, false)).accepted());
            }
        }
    }

    /** {@link MqttSession#start}: the broker is not there yet; the first connect is retried until it is. */
    @Test
    void startRetriesTheFirstConnectUntilTheBrokerComes() throws Exception {
        try (Mosquitto broker = Mosquitto.start(dir)) {
            broker.stop();
            Events events = new Events();
            SessionOptions o = options(broker, "early").reconnect(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2))).build();
            try (MqttSession s = MqttSession.create(o, events)) {
                s.start(new Backoff(Duration.ofMillis(100), Duration.ofMillis(400)));
                Thread.sleep(1_000); // a few attempts fail meanwhile
                assertEquals(SessionState.CONNECTING, s.state());
                assertTrue(events.seen.isEmpty(), events.seen.toString());
                broker.restart(0);
                assertEquals("connected", events.next());
                assertTrue(await(s.publish("t", "up".getBytes(), Qos.AT_LEAST_ONCE, false)).accepted());
            }
        }
    }

    @Test
    void connectsWithoutPahosStartSleeps() throws Exception {
        try (Mosquitto broker = Mosquitto.start(dir)) {
            long[] connectMs = new long[5];
            for (int i = 0; i < connectMs.length; i++) {
                try (MqttSession s = MqttSession.create(options(broker, "prompt-" + i).build(), new SessionListener() {})) {
                    long t0 = System.nanoTime();
                    s.connect(Duration.ofSeconds(10));
                    connectMs[i] = (System.nanoTime() - t0) / 1_000_000;
                    s.disconnect(Duration.ofSeconds(5), false);
                }
            }
            // Paho's own start-up sleeps 3 x 100 ms in every connect; a loopback connect without them takes a few ms.
            Arrays.sort(connectMs);
            assertTrue(connectMs[2] < 200, "median connect " + connectMs[2] + " ms: " + Arrays.toString(connectMs));
        }
    }

    /**
     * An idle connected session runs Paho's three threads (receiver, sender, callback) and no more: its keep-alive
     * pings run on the timer the session was given (the agent's link timer), not on a thread of their own that
     * would sit idle for the agent's whole life (issue 13: thread stacks of an idle agent). The broker's drop
     * after 1.5 keep-alives without a packet shows the pings still go out.
     */
    @Test
    void keepAlivePingsRunOnTheGivenTimerWithoutAThreadOfTheirOwn() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("test-timer").daemon().factory());
        try (Mosquitto broker = Mosquitto.start(dir)) {
            timer.submit(() -> {}).get(); // its thread exists before the count
            Set<Thread> before = Thread.getAllStackTraces().keySet();
            Events events = new Events();
            try (MqttSession s = MqttSession.create(options(broker, "pings").keepAlive(Duration.ofSeconds(1)).build(),
                    events, timer)) {
                s.connect(Duration.ofSeconds(10));
                assertEquals("connected", events.next());
                Thread.sleep(3_500); // 3.5 keep-alives: without pings the broker drops the session after 1.5
                assertTrue(s.isConnected(), "the broker dropped the session: " + events.seen);
                assertTrue(events.seen.isEmpty(), "heard: " + events.seen);
                List<String> added = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> !before.contains(t) && t.isAlive()).map(Thread::getName).sorted().toList();
                assertEquals(3, added.size(), "threads the connected session added: " + added);
                s.disconnect(Duration.ofSeconds(5), false);
            }
        } finally {
            timer.shutdownNow();
        }
    }

    /**
     * Paho stops its threads on a lost connection by cancelling their futures with interruption when it was
     * given an executor (it never interrupts threads it made itself). An interrupt in the middle of the message
     * handler closes the file channel it writes with (ClosedByInterruptException): handlers must run to the end.
     */
    @Test
    void aLostConnectionDoesNotInterruptTheMessageHandler() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        SessionListener slow = new SessionListener() {
            @Override
            public void message(String topic, byte[] payload, boolean retained) {
                entered.countDown();
                try {
                    Thread.sleep(1_500);
                    interrupted.complete(false);
                } catch (InterruptedException e) {
                    interrupted.complete(true);
                }
            }
        };
        MqttSession s;
        try (Mosquitto broker = Mosquitto.start(dir)) {
            s = MqttSession.create(options(broker, "handler").build(), slow);
            s.connect(Duration.ofSeconds(10));
            await(s.subscribe(List.of(new Subscription("slow", Qos.AT_LEAST_ONCE))));
            s.publish("slow", new byte[] {1}, Qos.AT_LEAST_ONCE, false);
            assertTrue(entered.await(5, TimeUnit.SECONDS));
        } // the broker goes away while the handler runs
        assertFalse(interrupted.get(10, TimeUnit.SECONDS), "Paho interrupted the handler");
        s.close();
    }
}
