package io.reizi.agent.mqtt;

import io.reizi.ota.wire.Status;
import java.time.Duration;

/** What the guardian needs of the link: to confirm a recovery, to say it is recovering, to spare a poor link. */
public interface LinkControl {
    boolean awaitConnected(Duration timeout) throws InterruptedException;

    /** Sends {@code status} after everything still queued, waiting up to {@code timeout} for the broker's PUBACK. */
    boolean publishAndWait(Status status, Duration timeout) throws InterruptedException;

    /** A poor link gets a longer keep-alive from the next (re)connect on, so that it is not dropped needlessly. */
    void relaxKeepAlive(boolean relaxed);
}
