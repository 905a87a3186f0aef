package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.mqtt.client.MqttSession;
import io.reizi.agent.mqtt.client.Qos;
import io.reizi.agent.mqtt.client.SessionListener;
import io.reizi.agent.mqtt.client.SessionOptions;
import io.reizi.agent.mqtt.client.Subscription;
import io.reizi.ota.wire.NetHealth;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import io.reizi.ota.wire.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Statuses are never lost: the device's uplink stalls with the broker's acknowledgements outstanding while the
 * device keeps producing statuses and commits; an orderly stop on a slow link. Real broker, real agent, a relay
 * ({@link FaultyLink}) between them.
 */
class StatusDeliveryTest {
    @TempDir
    Path dir;

    /** What a fresh subscriber gets from the retained slot of the device's status topic. */
    static Status retained(String broker, String id) throws Exception {
        BlockingQueue<byte[]> got = new ArrayBlockingQueue<>(16);
        SessionListener listener = new SessionListener() {
            @Override
            public void message(String topic, byte[] payload, boolean retained) {
                got.offer(payload);
            }
        };
        try (MqttSession c = MqttSession.create(SessionOptions.builder(broker,
                "retained-" + UUID.randomUUID().toString().substring(0, 8)).build(), listener)) {
            c.connect(Duration.ofSeconds(30));
            c.subscribe(List.of(new Subscription(Topics.defaults().status(id), Qos.AT_LEAST_ONCE)));
            byte[] json = got.poll(5, TimeUnit.SECONDS);
            assertNotNull(json, "no retained status for " + id);
            return Status.parse(json);
        }
    }

    @Test
    void theCommitReachesTheBrokerAfterTheUplinkStalledWithEveryStatusUnacknowledged() throws Exception {
        try (TestBed bed = new TestBed(dir); FaultyLink link = new FaultyLink(bed.broker.url());
                RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "stalled-uplink";
            // A progress status every 100 ms while downloading, no re-requests to muddle it.
            try (AgentProcess agent = new AgentProcess(id, link.url(), bed.dataDir(id), bed.trust,
                    TestBed.logs().resolve(id + ".log"), "--status-interval", "100ms", "--stall-interval", "60s",
                    "--stall-interval-degraded", "60s")) {
                agent.start().awaitReady();
                agent.awaitLog("connected to", 1);
                Path image = bed.image("img", 16 * 1024, 41);
                byte[] manifest = RawMqtt.sign(RawMqtt.fields(image, 1, 1024), bed.edKey);
                int mark = bed.watcher.mark();
                raw.manifest(id, manifest);
                bed.watcher.await(mark, id, s -> s.need() != null, TestBed.LONG);

                // Nothing the device sends reaches the broker, so no PUBACK comes back, for 9 s: ~90 statuses, more
                // than the broker lets a client have in flight (max_inflight_messages 64).
                link.pauseUplink(true);
                Thread.sleep(9_000);
                raw.chunks(id, 1, Files.readAllBytes(image), 1024, 0, 16); // the downlink still flows
                agent.awaitLog("committed ver=1", 1);
                int resumed = bed.watcher.mark();
                link.pauseUplink(false);

                Status committed = bed.watcher.awaitState(resumed, id, 1, OtaState.COMMITTED, Duration.ofSeconds(30));
                assertEquals(NetHealth.GOOD, committed.net());
                Thread.sleep(1500); // anything resent late would land now
                List<Status> after = bed.watcher.since(resumed, id);
                assertEquals(OtaState.COMMITTED, after.getLast().state(),
                        "nothing older overwrote it:" + StatusWatcher.describe(after));
                Status kept = retained(bed.broker.url(), id);
                assertEquals(OtaState.COMMITTED, kept.state());
                assertEquals(1L, kept.ver());
                assertFalse(agent.log().contains("status not published"), agent.log());
            }
        }
    }

    @Test
    void anOrderlyStopOnASlowLinkSaysOfflineAfterTheCommitWithoutAPanic() throws Exception {
        try (TestBed bed = new TestBed(dir); FaultyLink link = new FaultyLink(bed.broker.url()).roundTrip(1400);
                RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "slow-stop";
            try (AgentProcess agent = new AgentProcess(id, link.url(), bed.dataDir(id), bed.trust,
                    TestBed.logs().resolve(id + ".log"))) {
                agent.start().awaitReady();
                agent.awaitLog("connected to", 1);
                Path image = bed.image("img", 8 * 1024, 42);
                int mark = bed.watcher.mark();
                raw.manifest(id, RawMqtt.sign(RawMqtt.fields(image, 1, 1024), bed.edKey));
                bed.watcher.await(mark, id, s -> s.need() != null, TestBed.LONG);
                raw.chunks(id, 1, Files.readAllBytes(image), 1024, 0, 8);
                agent.awaitLog("committed ver=1", 1);
                long stopAt = System.currentTimeMillis();
                assertEquals(143, agent.stop(), "an orderly stop, not a panic exit:\n" + agent.log());

                assertFalse(agent.log().contains("PANIC"), agent.log());
                bed.watcher.awaitState(mark, id, 1, OtaState.COMMITTED, Duration.ofSeconds(10));
                Status last = retained(bed.broker.url(), id);
                assertEquals(OtaState.OFFLINE, last.state());
                assertTrue(last.ts() >= stopAt, "the orderly stop's own offline status, not the will made at connect");
                List<Status> seen = bed.watcher.since(mark, id);
                int committedAt = seen.stream().map(Status::state).toList().lastIndexOf(OtaState.COMMITTED);
                int offlineAt = seen.stream().map(Status::state).toList().lastIndexOf(OtaState.OFFLINE);
                assertTrue(committedAt >= 0 && offlineAt > committedAt, "committed, then offline:" + StatusWatcher.describe(seen));
            }
        }
    }
}
