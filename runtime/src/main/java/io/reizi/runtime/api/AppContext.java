package io.reizi.runtime.api;

import java.nio.file.Path;
import java.util.Optional;

/** What the runtime gives a starting app. */
public interface AppContext {
    /** The release number being started. */
    long version();

    /** The snapshot of the version that ran before, if it gave one. */
    Optional<byte[]> previousState();

    /** A folder that survives updates and rollbacks, for the app's own files. */
    Path stateDir();

    /** Writes one line to the agent's log, tagged with the app. */
    void log(String line);
}
