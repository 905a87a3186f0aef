package io.reizi.runtime;

import java.util.List;

/**
 * Threads a jar release left running after it was stopped and given {@code stop-grace} to end them. A Java thread
 * cannot be killed: they keep their CPU and the release's classes until the JVM ends, so the agent sheds them by an
 * orderly restart into the release that runs now, and says {@link #detail()} in a status.
 */
public record Lingering(String release, List<String> threads) {
    public Lingering {
        threads = List.copyOf(threads);
    }

    public String detail() {
        return release + " left " + threads.size() + " thread(s) running after stop-grace: " + String.join(", ", threads);
    }
}
