package io.reizi.ota.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys cross the OpenSSL boundary both ways: operators make keys with openssl, other tools read ours. */
class OpenSslKeysTest {
    @TempDir
    Path dir;

    static String openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    static boolean haveOpenssl() {
        try {
            return new ProcessBuilder("openssl", "version").start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void readsKeysMadeByOpenssl() throws Exception {
        assumeTrue(haveOpenssl(), "openssl not installed");
        openssl(dir, "genpkey", "-algorithm", "ed25519", "-out", "ed.key");
        openssl(dir, "pkey", "-in", "ed.key", "-pubout", "-out", "ed.pub");
        openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sec1.key");
        openssl(dir, "ec", "-in", "sec1.key", "-pubout", "-out", "ec.pub");
        assertArrayEquals(Keys.readPublic(dir.resolve("ed.pub")).kid(), Keys.readPrivate(dir.resolve("ed.key")).kid());
        Keys.SigningKey ec = Keys.readPrivate(dir.resolve("sec1.key"));
        assertEquals(Keys.Alg.ES256, ec.alg());
        assertArrayEquals(Keys.readPublic(dir.resolve("ec.pub")).kid(), ec.kid());
    }

    @Test
    void opensslReadsOurKeys() throws Exception {
        assumeTrue(haveOpenssl(), "openssl not installed");
        for (Keys.Alg alg : Keys.Alg.values()) {
            Keys.SigningKey key = Keys.generate(alg);
            Files.writeString(dir.resolve(alg + ".key"), Keys.privatePem(key));
            String pub = openssl(dir, "pkey", "-in", alg + ".key", "-pubout");
            assertEquals(Keys.publicPem(key.publicKey()).strip(), pub.strip());
        }
    }
}
