package io.reizi.ota.crypto;

import io.reizi.ota.wire.Sha256;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.math.ec.custom.sec.SecP256R1Curve;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * Trusted public keys (PEM SubjectPublicKeyInfo), read by the JDK's own providers (SunEC) into the form its
 * verifiers take. The agent reads them at every start and then idles: Bouncy Castle's PEM parser, ASN.1
 * and EC layers (Keys) were ~395 classes it loaded and kept for nothing (docs/benchmarks.md, issue 13).
 */
public final class PublicKeys {
    private PublicKeys() {}

    /**
     * Reads a {@code PUBLIC KEY} PEM of an Ed25519 or ECDSA P-256 key. Its kid is taken over the JDK's DER of
     * the key: the same bytes as Bouncy Castle's ({@link Keys#kid}), an uncompressed point on a named curve.
     */
    public static Keys.PublicKey read(Path file) throws IOException {
        PemObject pem;
        try (Reader reader = Files.newBufferedReader(file); PemReader parser = new PemReader(reader)) {
            pem = parser.readPemObject();
        } catch (IllegalStateException | IllegalArgumentException e) { // bad Base64, an unterminated block
            throw new IOException(file + ": not a PUBLIC KEY PEM (" + e.getMessage() + ")", e);
        }
        if (pem == null || !pem.getType().equals("PUBLIC KEY")) throw new IOException(file + ": not a PUBLIC KEY PEM");
        return fromSpki(pem.getContent(), file.getFileName().toString(), file.toString());
    }

    /** A SubjectPublicKeyInfo DER; {@code source} names the key in refusals, {@code where} in errors. */
    static Keys.PublicKey fromSpki(byte[] spki, String source, String where) throws IOException {
        for (Keys.Alg alg : Keys.Alg.values()) {
            java.security.PublicKey key;
            try {
                key = KeyFactory.getInstance(alg.jcaKeyFactory).generatePublic(new X509EncodedKeySpec(spki));
            } catch (GeneralSecurityException e) {
                continue; // not this kind of key: the two factories refuse each other's algorithm identifiers
            }
            if (key instanceof ECPublicKey ec) requireP256(ec, where);
            return new Keys.PublicKey(alg, key, Arrays.copyOf(Sha256.digest(key.getEncoded()), 8), source);
        }
        throw new IOException(where + ": only Ed25519 and ECDSA P-256 public keys are supported");
    }

    /**
     * The JDK's key factory checks neither the curve nor that the point is on it; a trusted key that is not a
     * point of P-256 is a configuration error at start, as it was with Bouncy Castle's parser.
     */
    private static void requireP256(ECPublicKey key, String where) throws IOException {
        ECParameterSpec p256;
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            p256 = params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no P-256", e);
        }
        ECParameterSpec own = key.getParams();
        if (!own.getCurve().equals(p256.getCurve()) || !own.getGenerator().equals(p256.getGenerator())
                || !own.getOrder().equals(p256.getOrder())) {
            throw new IOException(where + ": EC key is not on P-256 (ES256 needs P-256)");
        }
        try { // Bouncy Castle's P-256 curve alone, without its ASN.1 registry of named curves
            new SecP256R1Curve().validatePoint(key.getW().getAffineX(), key.getW().getAffineY());
        } catch (IllegalArgumentException e) {
            throw new IOException(where + ": EC public key is not a point of P-256", e);
        }
    }
}
