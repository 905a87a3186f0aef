package io.reizi.ota.crypto;

import io.reizi.ota.wire.Sha256;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;
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
        try (Reader reader = Files.newBufferedReader(file)) {
            return read(reader, file.getFileName().toString(), file.toString());
        }
    }

    private static Keys.PublicKey read(Reader reader, String source, String where) throws IOException {
        PemObject pem;
        try (PemReader parser = new PemReader(reader)) {
            pem = parser.readPemObject();
        } catch (IllegalStateException | IllegalArgumentException e) { // bad Base64, an unterminated block
            throw new IOException(where + ": not a PUBLIC KEY PEM (" + e.getMessage() + ")", e);
        }
        if (pem == null || !pem.getType().equals("PUBLIC KEY")) throw new IOException(where + ": not a PUBLIC KEY PEM");
        return fromSpki(pem.getContent(), source, where);
    }

    /** RFC 8410's example Ed25519 public key (section 10.1): a key that reads, for {@link #prepare()}. */
    private static final String RFC_8410_EXAMPLE = """
            -----BEGIN PUBLIC KEY-----
            MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=
            -----END PUBLIC KEY-----
            """;

    /**
     * Reads a key that is no one's, for a thread that prepares the agent's start while the main thread parses its
     * configuration: the first read of a key initialises the JDK's provider list, SunEC (its table of named
     * curves), the EdDSA key factory (which spins a pattern-switch class) and Bouncy Castle's PEM reader (whose
     * logger makes the JDK search the class path for a logger finder), ~40 ms of the start measured on the
     * main thread (docs/benchmarks.md). The main thread's own read then finds them ready, or waits for them.
     */
    public static Keys.PublicKey prepare() {
        try {
            return read(new StringReader(RFC_8410_EXAMPLE), "RFC 8410 example", "RFC 8410 example key");
        } catch (IOException e) {
            throw new IllegalStateException("the JDK does not read RFC 8410's example key", e);
        }
    }

    /** A SubjectPublicKeyInfo DER; {@code source} names the key in refusals, {@code where} in errors. */
    static Keys.PublicKey fromSpki(byte[] spki, String source, String where) throws IOException {
        StringBuilder refusals = new StringBuilder();
        for (Keys.Alg alg : Keys.Alg.values()) {
            java.security.PublicKey key;
            try {
                key = KeyFactory.getInstance(alg.jcaKeyFactory).generatePublic(new X509EncodedKeySpec(spki));
            } catch (GeneralSecurityException e) {
                // Not this kind of key (the two factories refuse each other's algorithm identifiers), or a
                // form the JDK does not read (a compressed EC point): both reasons are named if none reads it.
                refusals.append(refusals.isEmpty() ? "" : "; ").append(alg).append(": ").append(e.getMessage());
                continue;
            }
            if (key instanceof ECPublicKey ec) requireP256(ec, where);
            return new Keys.PublicKey(alg, key, Arrays.copyOf(Sha256.digest(key.getEncoded()), 8), source);
        }
        return viaBouncyCastle(spki, source, where, refusals.toString());
    }

    /**
     * What the JDK does not read, Bouncy Castle may: a P-256 key with a compressed point (OpenSSL writes one with
     * {@code -conv_form compressed}). Its parser is loaded only then; the point is handed back to the JDK.
     */
    private static Keys.PublicKey viaBouncyCastle(byte[] spki, String source, String where, String refusals) throws IOException {
        IOException unsupported = new IOException(where + ": only Ed25519 and ECDSA P-256 public keys are supported ("
                + refusals + ")");
        AsymmetricKeyParameter key;
        try {
            key = PublicKeyFactory.createKey(spki);
        } catch (IOException | RuntimeException e) {
            throw unsupported;
        }
        if (!(key instanceof ECPublicKeyParameters ec) || !new SecP256R1Curve().equals(ec.getParameters().getCurve())) {
            throw unsupported;
        }
        org.bouncycastle.math.ec.ECPoint q = ec.getQ().normalize();
        try {
            java.security.PublicKey jdk = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(
                    new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()), p256()));
            return fromSpki(jdk.getEncoded(), source, where);
        } catch (GeneralSecurityException e) {
            throw unsupported;
        }
    }

    private static ECParameterSpec p256() {
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            return params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no P-256", e);
        }
    }

    /**
     * The JDK's key factory checks neither the curve nor that the point is on it; a trusted key that is not a
     * point of P-256 is a configuration error at start, as it was with Bouncy Castle's parser.
     */
    private static void requireP256(ECPublicKey key, String where) throws IOException {
        ECParameterSpec p256 = p256();
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
