package io.reizi.watchdog;

import java.io.IOException;
import java.time.Duration;

/** Something that resets the device unless it is kicked in time; one implementation per kind. */
public interface Watchdog extends AutoCloseable {
    String name();

    void kick() throws IOException;

    /** Asks for a timeout; returns the one in force (a driver may round it). */
    Duration setTimeout(Duration timeout) throws IOException;

    Duration timeout();

    /**
     * Stops using the watchdog. {@code disarm} only on an orderly stop that will not be restarted
     * (hardware: the magic close); a panic exit leaves it armed so that a real hang still resets the board.
     */
    void close(boolean disarm);

    @Override
    default void close() {
        close(false);
    }
}
