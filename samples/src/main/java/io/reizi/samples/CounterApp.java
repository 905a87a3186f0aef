package io.reizi.samples;

import io.reizi.runtime.api.AppContext;
import io.reizi.runtime.api.ReiziApp;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * Sample `jar` release: a counter that ticks every 10 ms and hands its value to the next version, so a
 * hot swap shows that state crosses versions. Its {@code sample.properties} can make it misbehave.
 */
public final class CounterApp implements ReiziApp {
    private volatile long counter;
    private volatile boolean running;
    private Thread ticker;
    private java.util.Set<String> mode;

    @Override
    public void start(AppContext context) throws IOException {
        mode = mode();
        if (mode.contains("fail-start")) throw new IllegalStateException("this build is broken on purpose");
        counter = context.previousState().map(b -> Long.parseLong(new String(b, StandardCharsets.UTF_8))).orElse(0L);
        context.log("counter v" + context.version() + " starts at " + counter);
        running = true;
        ticker = Thread.ofPlatform().daemon().name("counter").start(() -> {
            while (running) {
                counter++;
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    @Override
    public void stop() {
        running = false;
        ticker.interrupt();
        while (mode.contains("hang-on-stop")) {
            try {
                Thread.sleep(1000); // never returns, and ignores interrupts: the runtime must give up on it
            } catch (InterruptedException ignored) {
                // keep hanging
            }
        }
    }

    @Override
    public boolean health() {
        return running && !mode.contains("never-healthy");
    }

    @Override
    public byte[] snapshot() {
        return Long.toString(counter).getBytes(StandardCharsets.UTF_8);
    }

    /** The misbehaviours this build was made with (comma-separated in sample.properties). */
    private static java.util.Set<String> mode() throws IOException {
        Properties p = new Properties();
        try (InputStream in = CounterApp.class.getResourceAsStream("/sample.properties")) {
            if (in != null) p.load(in);
        }
        return java.util.Set.of(p.getProperty("mode", "ok").replace(" ", "").split(","));
    }
}
