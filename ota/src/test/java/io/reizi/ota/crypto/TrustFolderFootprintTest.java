package io.reizi.ota.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent reads its trust folder at every start and then idles for days: reading it must not load Bouncy
 * Castle's ASN.1 and EC layers (~395 classes the idle agent kept for nothing, issue 13). A fresh JVM runs
 * {@link TrustFolderProbe}, since this one has loaded Bouncy Castle for other tests; its class-load log is read.
 */
class TrustFolderFootprintTest {
    @TempDir
    Path dir;

    /** Bouncy Castle's PEM framing (PemReader and its Base64, 8 classes) is all it may load for an Ed25519 key. */
    @Test
    void anEd25519TrustFolderLoadsOnlyBouncyCastlesPemReader() throws Exception {
        Files.writeString(dir.resolve("release.pem"), Keys.publicPem(Keys.generate(Keys.Alg.ED25519).publicKey()));
        List<String> loaded = classesLoadedReading(dir);
        assertTrue(loaded.contains("io.reizi.ota.crypto.TrustedKeys"), "the probe read the folder");
        assertEquals(List.of(), bouncyCastleBeyond(loaded, "org.bouncycastle.util.io.pem.", "org.bouncycastle.util.encoders."));
    }

    /** For a P-256 key, also Bouncy Castle's P-256 point check (its EC math); still no ASN.1. */
    @Test
    void anEs256TrustFolderLoadsNoBouncyCastleAsn1() throws Exception {
        Files.writeString(dir.resolve("release.pem"), Keys.publicPem(Keys.generate(Keys.Alg.ES256).publicKey()));
        List<String> loaded = classesLoadedReading(dir);
        assertEquals(List.of(), bouncyCastleBeyond(loaded, "org.bouncycastle.util.", "org.bouncycastle.math."));
    }

    private static List<String> bouncyCastleBeyond(List<String> loaded, String... allowed) {
        return loaded.stream().filter(c -> c.startsWith("org.bouncycastle."))
                .filter(c -> java.util.Arrays.stream(allowed).noneMatch(c::startsWith)).toList();
    }

    private static List<String> classesLoadedReading(Path trust) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info:stdout:tags", "-cp", System.getProperty("java.class.path"),
                TrustFolderProbe.class.getName(), trust.toString()).redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertEquals(0, p.waitFor(), String.join("\n", lines));
        assertTrue(lines.contains("keys: 1"), String.join("\n", lines));
        // "[class,load] java.lang.Object source: ..."
        return lines.stream().filter(l -> l.startsWith("[class,load] ")).map(l -> l.split(" ")[1]).toList();
    }
}
