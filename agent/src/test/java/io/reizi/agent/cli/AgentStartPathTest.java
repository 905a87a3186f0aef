package io.reizi.agent.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.crypto.Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's start path reads no annotations: no annotation instance is made (the JDK implements each with a
 * dynamic proxy class, which the AOT cache cannot hold; picocli reading the agent's annotations cost ~100 ms of
 * the start), and no proxy class is generated at all. A real {@code reizi agent}
 * process, started to READY, with the JVM's class loading log.
 */
class AgentStartPathTest {
    @TempDir
    Path dir;

    @Test
    void theAgentStartsToReadyWithoutReadingAnnotations() throws Exception {
        Path trust = Files.createDirectories(dir.resolve("trust"));
        Files.writeString(trust.resolve("release.pub"), Keys.publicPem(Keys.generate(Keys.Alg.ED25519).publicKey()));
        Path classes = dir.resolve("classes.log");
        Path out = dir.resolve("agent.log");
        // Port 1: nothing listens; READY comes before the broker connection (a board boots offline).
        Process agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info:file=" + classes, "-cp", System.getProperty("java.class.path"),
                "io.reizi.agent.cli.Main", "agent", "--id", "start-path", "--broker", "tcp://127.0.0.1:1",
                "--data-dir", dir.resolve("data").toString(), "--trust", trust.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(out).contains(" READY in ") && agent.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.readString(out).contains(" READY in "), "no READY: " + Files.readString(out));
        } finally {
            agent.destroy();
            agent.waitFor(30, TimeUnit.SECONDS);
            agent.destroyForcibly();
        }
        List<String> loaded = Files.readAllLines(classes);
        assertTrue(loaded.stream().anyMatch(l -> l.contains(" picocli.CommandLine ")), "the log lists picocli's classes");
        // Every annotation read by reflection is an instance of a proxy class backed by this handler.
        assertFalse(loaded.stream().anyMatch(l -> l.contains("sun.reflect.annotation.AnnotationInvocationHandler ")),
                "an annotation was read on the agent's start path");
        List<String> proxies = loaded.stream().filter(l -> l.contains("$Proxy")).toList();
        assertTrue(proxies.isEmpty(), "dynamic proxies generated on the agent's start path: " + proxies);
    }
}
