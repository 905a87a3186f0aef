package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.reizi.ota.crypto.Keys;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A publisher written in Python from shared/protocol.md alone (paho-mqtt, cbor2, cryptography) updates the
 * agent, with both signature algorithms. CI installs the three Debian packages; elsewhere the test is skipped.
 */
class InteropTest {
    static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path dir;

    @Test
    void independentPythonPublisherUpdatesTheAgent() throws Exception {
        assumeTrue(pythonModulesPresent(), "needs python3-paho-mqtt, python3-cbor2 and python3-cryptography");
        try (TestBed bed = new TestBed(dir)) {
            bed.agent("polyglot");
            URI broker = URI.create(bed.broker.url());
            long ver = 1;
            for (Keys.SigningKey key : new Keys.SigningKey[] {bed.edKey, bed.ecKey}) {
                Path keyFile = Files.writeString(dir.resolve("key-" + ver + ".pem"), Keys.privatePem(key));
                Path image = bed.image("py-" + ver + ".img", 700_000 + (int) ver, 60 + ver);
                Process p = new ProcessBuilder(PYTHON, Repo.root().resolve("src/test/python/independent_publisher.py").toString(),
                        broker.getHost(), Integer.toString(broker.getPort()), "polyglot", image.toString(),
                        Long.toString(ver), keyFile.toString(), "4096")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                p.waitFor(150, TimeUnit.SECONDS);
                assertEquals(0, p.exitValue(), out);
                assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(bed.dataDir("polyglot").resolve("current/image")));
                ver++;
            }
        }
    }

    static boolean pythonModulesPresent() throws Exception {
        if (!Files.isExecutable(Path.of(PYTHON))) return false;
        Process p = new ProcessBuilder(PYTHON, "-c", "import paho.mqtt.client, cbor2, cryptography").start();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
