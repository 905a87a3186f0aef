package io.reizi.agent.tls;

import io.reizi.ota.crypto.Keys;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.bc.BcECContentSignerBuilder;

/**
 * A development PKI for the fleet's broker (Bouncy Castle, ECDSA P-256): a CA, a broker certificate with
 * SANs for its host, device certificates whose CN is the device id (the broker's ACL identity), and a
 * publisher certificate. Production fleets use their own CA; the files have the same shape.
 */
public final class Certs {
    private static final ECNamedDomainParameters P256 = ECNamedDomainParameters.lookup(SECObjectIdentifiers.secp256r1);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key pair and the certificate for it. */
    public record Issued(AsymmetricKeyParameter privateKey, X509CertificateHolder certificate) {}

    private Certs() {}

    public static Issued ca(String name, Duration validity) {
        AsymmetricCipherKeyPair pair = keyPair();
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = builder(subject, subject, pair.getPublic(), Instant.now(), validity);
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Issued(pair.getPrivate(), b.build(signer(pair.getPrivate())));
    }

    /** A leaf certificate: {@code server} adds serverAuth and the SANs; clients get clientAuth. */
    public static Issued leaf(Issued ca, String commonName, List<String> sans, boolean server, Instant notBefore,
            Duration validity) {
        AsymmetricCipherKeyPair pair = keyPair();
        X509v3CertificateBuilder b = builder(ca.certificate().getSubject(), new X500Name("CN=" + commonName),
                pair.getPublic(), notBefore, validity);
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
            if (!sans.isEmpty()) {
                List<GeneralName> names = new ArrayList<>();
                for (String san : sans) {
                    names.add(san.matches("[0-9.]+|[0-9a-fA-F:]+:[0-9a-fA-F:]*")
                            ? new GeneralName(GeneralName.iPAddress, san) : new GeneralName(GeneralName.dNSName, san));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Issued(pair.getPrivate(), b.build(signer(ca.privateKey())));
    }

    /** Writes NAME.crt and NAME.key (PKCS#8) into {@code dir}; the key readable by its owner only. */
    public static void write(Path dir, String name, Issued issued) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name + ".crt"), Keys.pem("CERTIFICATE", issued.certificate().getEncoded()));
        Path key = dir.resolve(name + ".key");
        Files.writeString(key, Keys.pem("PRIVATE KEY", PrivateKeyInfoFactory.createPrivateKeyInfo(issued.privateKey()).getEncoded()));
        try {
            Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }

    private static AsymmetricCipherKeyPair keyPair() {
        ECKeyPairGenerator gen = new ECKeyPairGenerator();
        gen.init(new ECKeyGenerationParameters(P256, RANDOM));
        return gen.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, AsymmetricKeyParameter publicKey,
            Instant notBefore, Duration validity) {
        try {
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(publicKey);
            return new X509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                    Date.from(notBefore.minusSeconds(60)), Date.from(notBefore.plus(validity)), subject, spki);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ContentSigner signer(AsymmetricKeyParameter key) {
        var sigAlg = new DefaultSignatureAlgorithmIdentifierFinder().find("SHA256withECDSA");
        var digAlg = new DefaultDigestAlgorithmIdentifierFinder().find(sigAlg);
        try {
            return new BcECContentSignerBuilder(sigAlg, digAlg).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }
}
