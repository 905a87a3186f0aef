package io.reizi.agent;

import java.time.Duration;
import java.util.Optional;

/** How a new release is tried before it is committed (see README "What happens to a release"). */
public record TrialSettings(Optional<String> healthCmd, Duration window, int maxRestarts, Duration stopGrace,
        Optional<String> rebootCmd) {

    public TrialSettings {
        if (maxRestarts < 0) throw new IllegalArgumentException("max-trial-restarts must be 0 or more");
    }
}
