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
        assertArrayEquals(PublicKeys.read(dir.resolve("ed.pub")).kid(), Keys.readPrivate(dir.resolve("ed.key")).kid());
        Keys.SigningKey ec = Keys.readPrivate(dir.resolve("sec1.key"));
        assertEquals(Keys.Alg.ES256, ec.alg());
        assertArrayEquals(PublicKeys.read(dir.resolve("ec.pub")).kid(), ec.kid());
    }

    /**
     * Trusted keys an operator could drop in by mistake are refused with the file named: another curve, a point
     * that is not on P-256 (the JDK's key factory accepts it; PublicKeys checks it), a private key, RSA.
     */
    @Test
    void unusableTrustedKeysAreRefusedByName() throws Exception {
        assumeTrue(haveOpenssl(), "openssl not installed");
        openssl(dir, "ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "p384.key");
        openssl(dir, "ec", "-in", "p384.key", "-pubout", "-out", "p384.pub");
        openssl(dir, "genpkey", "-algorithm", "rsa", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "rsa.key");
        openssl(dir, "pkey", "-in", "rsa.key", "-pubout", "-out", "rsa.pub");
        openssl(dir, "genpkey", "-algorithm", "ed25519", "-out", "ed.key");
        openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "p256.key");
        openssl(dir, "ec", "-in", "p256.key", "-pubout", "-outform", "DER", "-out", "p256.der");
        byte[] offCurve = Files.readAllBytes(dir.resolve("p256.der"));
        offCurve[offCurve.length - 1] ^= 1; // y changed: (x, y) is no longer a point of P-256
        Files.writeString(dir.resolve("off.pub"), Keys.pem("PUBLIC KEY", offCurve));
        assertRefused("p384.pub", "EC key is not on P-256");
        assertRefused("off.pub", "not a point of P-256");
        assertRefused("ed.key", "not a PUBLIC KEY PEM");
        assertRefused("rsa.pub", "only Ed25519 and ECDSA P-256 public keys are supported");

    }

    private void assertRefused(String file, String why) {
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> PublicKeys.read(dir.resolve(file)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith(dir.resolve(file) + ": ")
                && e.getMessage().contains(why), e.getMessage());
    }

    /** The JDK reads only uncompressed EC points; a compressed one is read through Bouncy Castle, same kid. */
    @Test
    void readsAP256KeyWithACompressedPoint() throws Exception {
        assumeTrue(haveOpenssl(), "openssl not installed");
        openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "p256.key");
        openssl(dir, "ec", "-in", "p256.key", "-pubout", "-conv_form", "compressed", "-out", "compressed.pub");
        Keys.PublicKey key = PublicKeys.read(dir.resolve("compressed.pub"));
        assertEquals(Keys.Alg.ES256, key.alg());
        assertArrayEquals(Keys.readPrivate(dir.resolve("p256.key")).kid(), key.kid());
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
