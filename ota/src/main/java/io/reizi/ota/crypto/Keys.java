package io.reizi.ota.crypto;

import io.reizi.ota.wire.Sha256;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM key files and key ids. Ed25519 and ECDSA P-256 are the two kinds the contract signs with.
 *
 * <p>Signing keys (keygen, publish) use Bouncy Castle's lightweight API. Trusted public keys, which the agent
 * reads at every start, are read by {@link PublicKeys} with the JDK's providers instead.
 */
public final class Keys {
    private static final ECNamedDomainParameters P256 = ECNamedDomainParameters.lookup(SECObjectIdentifiers.secp256r1);

    public enum Alg {
        ED25519(-8, "Ed25519", "Ed25519"),
        /** The JDK's P1363 format is COSE's raw {@code r || s}. */
        ES256(-7, "EC", "SHA256withECDSAinP1363Format");

        private final int coseId;
        final String jcaKeyFactory;
        private final String jcaSignature;

        Alg(int coseId, String jcaKeyFactory, String jcaSignature) {
            this.coseId = coseId;
            this.jcaKeyFactory = jcaKeyFactory;
            this.jcaSignature = jcaSignature;
        }

        public int coseId() {
            return coseId;
        }

        /** The JDK's name of the signature algorithm that verifies this kind of key. */
        public String jcaSignature() {
            return jcaSignature;
        }

        public static Alg fromCli(String s) {
            return switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "ed25519", "eddsa" -> ED25519;
                case "es256", "p256", "p-256" -> ES256;
                default -> throw new IllegalArgumentException("unknown key algorithm '" + s + "': use ed25519 or es256");
            };
        }
    }

    /** A private key ready to sign, with its public half and key id. */
    public record SigningKey(Alg alg, AsymmetricKeyParameter privateKey, AsymmetricKeyParameter publicKey, byte[] kid) {}

    /** A public key ready to verify (the JDK's form), with its key id and where it came from. */
    public record PublicKey(Alg alg, java.security.PublicKey key, byte[] kid, String source) {}

    private Keys() {}

    public static SigningKey generate(Alg alg) {
        SecureRandom random = new SecureRandom();
        AsymmetricCipherKeyPair pair;
        if (alg == Alg.ED25519) {
            Ed25519KeyPairGenerator gen = new Ed25519KeyPairGenerator();
            gen.init(new Ed25519KeyGenerationParameters(random));
            pair = gen.generateKeyPair();
        } else {
            ECKeyPairGenerator gen = new ECKeyPairGenerator();
            gen.init(new ECKeyGenerationParameters(P256, random));
            pair = gen.generateKeyPair();
        }
        return new SigningKey(alg, pair.getPrivate(), pair.getPublic(), kid(pair.getPublic()));
    }

    /** The contract's kid: the first 8 bytes of SHA-256 over the SubjectPublicKeyInfo DER. */
    public static byte[] kid(AsymmetricKeyParameter publicKey) {
        return Arrays.copyOf(Sha256.digest(spkiDer(publicKey)), 8);
    }

    public static String publicPem(AsymmetricKeyParameter publicKey) {
        return pem("PUBLIC KEY", spkiDer(publicKey));
    }

    /** PKCS#8 v1, the form OpenSSL writes and reads (OpenSSL 3.0 rejects Bouncy Castle's v2 Ed25519 encoding). */
    public static String privatePem(SigningKey key) {
        try {
            PrivateKeyInfo info = key.privateKey() instanceof Ed25519PrivateKeyParameters ed
                    ? new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519),
                            new DEROctetString(ed.getEncoded()))
                    : PrivateKeyInfoFactory.createPrivateKeyInfo(key.privateKey());
            return pem("PRIVATE KEY", info.getEncoded());
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode private key", e);
        }
    }

    /** Reads a PKCS#8 (or OpenSSL SEC1 EC) private key PEM. */
    public static SigningKey readPrivate(Path file) throws IOException {
        Object pem = readPem(file);
        PrivateKeyInfo info = switch (pem) {
            case PrivateKeyInfo p -> p;
            case PEMKeyPair pair -> pair.getPrivateKeyInfo();
            case null -> throw new IOException(file + ": no PEM object found");
            default -> throw new IOException(file + ": not a private key (found " + pem.getClass().getSimpleName() + ")");
        };
        AsymmetricKeyParameter priv = PrivateKeyFactory.createKey(info);
        AsymmetricKeyParameter pub = switch (priv) {
            case Ed25519PrivateKeyParameters ed -> ed.generatePublicKey();
            case ECPrivateKeyParameters ec -> {
                requireP256(ec.getParameters(), file);
                yield new ECPublicKeyParameters(ec.getParameters().getG().multiply(ec.getD()).normalize(),
                        ec.getParameters());
            }
            default -> throw new IOException(file + ": only Ed25519 and ECDSA P-256 keys can sign manifests");
        };
        return new SigningKey(algOf(pub), priv, pub, kid(pub));
    }

    /** The public half of a signing key, as {@link PublicKeys#read} reads it from its PEM. */
    public static PublicKey publicOf(SigningKey key) {
        try {
            return PublicKeys.fromSpki(spkiDer(key.publicKey()), "kid " + HexFormat.of().formatHex(key.kid()), "signing key");
        } catch (IOException e) {
            throw new IllegalStateException("our own public key does not read back", e);
        }
    }

    static Alg algOf(AsymmetricKeyParameter key) {
        return key instanceof Ed25519PublicKeyParameters || key instanceof Ed25519PrivateKeyParameters
                ? Alg.ED25519 : Alg.ES256;
    }

    private static void requireP256(ECDomainParameters params, Path file) throws IOException {
        if (!params.getCurve().equals(P256.getCurve())) {
            throw new IOException(file + ": EC key is not on P-256 (ES256 needs P-256)");
        }
    }

    /** The first object of a PEM file, as Bouncy Castle's PEM parser reads it (null when there is none). */
    public static Object readPem(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file); PEMParser parser = new PEMParser(reader)) {
            return parser.readObject();
        }
    }

    private static byte[] spkiDer(AsymmetricKeyParameter publicKey) {
        try {
            return SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(publicKey).getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode public key", e);
        }
    }

    /** DER bytes as PEM text of the given type ("PUBLIC KEY", "CERTIFICATE", ...). */
    public static String pem(String type, byte[] der) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }
}
