package io.reizi.runtime;

import java.time.Duration;
import java.util.Optional;

/** One running (or ready to run) release; one implementation per kind. */
sealed interface HostedApp permits JarApp, ExecApp {
    AppRelease release();

    void start(Optional<byte[]> previousState) throws AppFailure;

    /** State for the next version; null when the app keeps its state in files. */
    byte[] snapshot();

    /** Stops within the grace period, by force if it must; never throws. */
    void stop();

    /** Waits until the release proves healthy in the way its kind defines, or the window ends. */
    boolean awaitHealthy(Duration window) throws InterruptedException;
}
