package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.mqtt.MqttClients;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reizi's Paho clients against a real Mosquitto: they work, and their connect skips Paho's start-up sleeps. */
class MqttClientsTest {
    @TempDir
    Path dir;

    @Test
    void connectsWithoutPahosStartSleepsAndCarriesMessages() throws Exception {
        try (Mosquitto broker = Mosquitto.start(dir)) {
            long[] connectMs = new long[5];
            for (int i = 0; i < connectMs.length; i++) {
                MqttAsyncClient c = MqttClients.create(broker.url(), "prompt-" + i);
                long t0 = System.nanoTime();
                c.connect(new MqttConnectionOptions()).waitForCompletion(10_000);
                connectMs[i] = (System.nanoTime() - t0) / 1_000_000;
                CompletableFuture<byte[]> got = new CompletableFuture<>();
                IMqttMessageListener listener = (topic, m) -> got.complete(m.getPayload());
                c.subscribe(new MqttSubscription[] {new MqttSubscription("t/" + i, 1)}, null, null,
                        new IMqttMessageListener[] {listener}, new MqttProperties()).waitForCompletion(5_000);
                c.publish("t/" + i, new byte[] {1, 2, (byte) i}, 1, false).waitForCompletion(5_000);
                assertArrayEquals(new byte[] {1, 2, (byte) i}, got.get(5, TimeUnit.SECONDS));
                c.disconnect().waitForCompletion(5_000);
                c.close();
            }
            // Paho's own start-up sleeps 3 x 100 ms in every connect; a loopback connect without them takes a few ms.
            Arrays.sort(connectMs);
            assertTrue(connectMs[2] < 200, "median connect " + connectMs[2] + " ms: " + Arrays.toString(connectMs));
        }
    }

    /**
     * Paho stops its threads on a lost connection by cancelling their futures with interruption when it was
     * given an executor (it never interrupts threads it made itself). An interrupt in the middle of the message
     * handler closes the file channel it writes with (ClosedByInterruptException): handlers must run to the end.
     */
    @Test
    void aLostConnectionDoesNotInterruptTheMessageHandler() throws Exception {
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        MqttAsyncClient c;
        try (Mosquitto broker = Mosquitto.start(dir)) {
            c = MqttClients.create(broker.url(), "handler");
            c.connect(new MqttConnectionOptions()).waitForCompletion(10_000);
            IMqttMessageListener slow = (topic, m) -> {
                entered.countDown();
                try {
                    Thread.sleep(1_500);
                    interrupted.complete(false);
                } catch (InterruptedException e) {
                    interrupted.complete(true);
                }
            };
            c.subscribe(new MqttSubscription[] {new MqttSubscription("slow", 1)}, null, null,
                    new IMqttMessageListener[] {slow}, new MqttProperties()).waitForCompletion(5_000);
            c.publish("slow", new byte[] {1}, 1, false);
            assertTrue(entered.await(5, TimeUnit.SECONDS));
        } // the broker goes away while the handler runs
        assertTrue(!interrupted.get(10, TimeUnit.SECONDS), "Paho interrupted the handler");
        c.close(true);
    }
}
