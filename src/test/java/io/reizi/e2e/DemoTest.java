package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `reizi demo` with its embedded broker runs two updates through to committed. */
class DemoTest {
    @TempDir
    Path dir;

    @Test
    void demoRunsToCommitted() throws Exception {
        Path out = dir.resolve("demo.out");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dreizi.samples=" + System.getProperty("reizi.samples"),
                "-cp", System.getProperty("java.class.path"), "io.reizi.agent.cli.Main",
                "demo", "--dir", dir.resolve("work").toString(), "--size", "1048576")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "demo did not finish in 180 s");
        String log = Files.readString(out);
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("ver 1 committed") && log.contains("byte-identical"), log);
        assertTrue(log.contains("ver 3 committed; interruption window"), log);
        assertTrue(java.util.regex.Pattern.compile("counter v3 starts at [1-9]").matcher(log).find(), "state handed over:\n" + log);
        assertTrue(log.contains("ver 4 rolled_back (health_check_failed"), log);
        assertTrue(log.contains("ver 3 runs again"), log);
        // ver 3 is active again: banks alternate b (1), a (2), b (3), a (4, rolled back) -> b.
        assertEquals(Path.of("banks/b"), Files.readSymbolicLink(dir.resolve("work/device/current")));
    }
}
