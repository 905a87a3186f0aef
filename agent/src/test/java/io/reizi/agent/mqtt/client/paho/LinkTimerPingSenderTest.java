package io.reizi.agent.mqtt.client.paho;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.eclipse.paho.mqttv5.client.TimerPingSender;
import org.junit.jupiter.api.Test;

/**
 * A ping scheduled after the link's timer was shut down (Paho's receiver still taking a packet while the link
 * closes): Paho's sender throws on the receiver thread, which was a panic in an orderly stop; ours lets it go.
 */
class LinkTimerPingSenderTest {
    @Test
    void aPingAfterTheTimerIsShutDownIsDroppedNotThrown() {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        timer.shutdownNow();
        assertThrows(RejectedExecutionException.class, () -> new TimerPingSender(timer).schedule(1000));
        assertDoesNotThrow(() -> new LinkTimerPingSender(timer).schedule(1000));
    }

    @Test
    void aPingOnARunningTimerIsScheduledOnIt() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
        try {
            new LinkTimerPingSender(timer).schedule(60_000);
            assertEquals(1, timer.getQueue().size(), "the next ping waits on the link's timer");
        } finally {
            timer.shutdownNow();
        }
    }
}
