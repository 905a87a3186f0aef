package io.reizi.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A socat pty pair: the agent's end is the serial watchdog, the test plays the watchdog MCU on the other. */
class SerialWatchdogTest {
    @TempDir
    Path dir;

    @Test
    void kicksAndTimeoutsAreAnsweredAndASilentMcuIsAFault() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/socat")), "needs socat (apt-get install socat)");
        Path agentEnd = dir.resolve("ttyAgent");
        Path mcuEnd = dir.resolve("ttyMcu");
        Process socat = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + agentEnd, "pty,raw,echo=0,link=" + mcuEnd)
                .redirectErrorStream(true).start();
        try {
            for (int i = 0; i < 100 && !(Files.exists(agentEnd) && Files.exists(mcuEnd)); i++) Thread.sleep(20);
            try (var mcuIn = new BufferedReader(new InputStreamReader(Files.newInputStream(mcuEnd), StandardCharsets.US_ASCII));
                    OutputStream mcuOut = Files.newOutputStream(mcuEnd)) {
                Thread answering = Thread.ofPlatform().daemon().start(() -> {
                    try {
                        for (int n = 0; n < 3; n++) { // answers three commands, then goes silent
                            String line = mcuIn.readLine();
                            mcuOut.write((line.startsWith("KICK") || line.startsWith("TIMEOUT ") ? "OK\n" : "ERR\n").getBytes());
                            mcuOut.flush();
                            seen.append(line).append(';');
                        }
                    } catch (IOException ignored) {
                        // the pty went away
                    }
                });
                SerialWatchdog w = SerialWatchdog.open(agentEnd.toString(), 115200, Duration.ofSeconds(1));
                w.kick();
                assertEquals(Duration.ofMillis(5000), w.setTimeout(Duration.ofSeconds(5)));
                answering.join(2000);
                assertEquals("TIMEOUT 1000;KICK;TIMEOUT 5000;", seen.toString());
                assertTrue(w.healthy());
                assertThrows(IOException.class, w::kick, "no answer within a second");
                assertFalse(w.healthy(), "a silent watchdog MCU is a fault");
                w.close(false);
            }
        } finally {
            socat.destroy();
            socat.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private final StringBuffer seen = new StringBuffer();
}
