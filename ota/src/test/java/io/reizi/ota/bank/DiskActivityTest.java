package io.reizi.ota.bank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** What the watchdog reads: the age of the oldest disk operation in flight, and when the last one ended. */
class DiskActivityTest {
    @Test
    void theOldestOperationInFlightIsMeasuredUntilItEndsWhateverEndsMeanwhile() throws Exception {
        CountDownLatch slowStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread slow = Thread.ofPlatform().start(() -> {
            try {
                DiskActivity.during(() -> {
                    slowStarted.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                });
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        slowStarted.await();
        long afterStart = System.nanoTime();
        DiskActivity.during(() -> {}); // a quick one ends meanwhile: progress, but the slow one is still out
        long quickDone = DiskActivity.lastDone();
        assertTrue(quickDone >= afterStart);
        long later = afterStart + 5_000_000_000L;
        assertTrue(DiskActivity.waitingNanos(later) >= 5_000_000_000L, "the slow one counts from its own start");

        release.countDown();
        slow.join();
        assertEquals(0, DiskActivity.waitingNanos(System.nanoTime()));
        assertTrue(DiskActivity.lastDone() >= quickDone);
    }

    @Test
    void anOperationThatFailsIsNoLongerInFlight() {
        assertThrows(IOException.class, () -> DiskActivity.during(() -> {
            throw new IOException("EIO");
        }));
        assertEquals(0, DiskActivity.waitingNanos(System.nanoTime()));
    }
}
