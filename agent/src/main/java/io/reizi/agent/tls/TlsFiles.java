package io.reizi.agent.tls;

import io.reizi.ota.crypto.Keys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;

/**
 * Mutual TLS from PEM files, for {@code ssl://} brokers: the CA that signed the broker's certificate, and
 * this client's certificate and private key (PKCS#8 or SEC1/PKCS#1 PEM). The JDK does the TLS.
 */
public record TlsFiles(Path ca, Optional<Path> cert, Optional<Path> key) {
    public TlsFiles {
        if (cert.isPresent() != key.isPresent()) throw new IllegalArgumentException("--cert and --key go together");
    }

    public SSLSocketFactory socketFactory() throws IOException {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int n = 0;
            for (Certificate c : certificates(ca)) trust.setCertificateEntry("ca" + n++, c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (cert.isPresent()) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                char[] none = new char[0];
                keys.setKeyEntry("client", privateKey(key.get()), none,
                        certificates(cert.get()).toArray(Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, none);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS set-up from " + ca + cert.map(c -> ", " + c).orElse("") + " failed: " + e.getMessage(), e);
        }
    }

    private static Collection<? extends Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (all.isEmpty()) throw new IOException(pem + " holds no certificate");
            return all;
        }
    }

    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        PrivateKeyInfo info = switch (Keys.readPem(pem)) {
            case PrivateKeyInfo i -> i;
            case PEMKeyPair pair -> pair.getPrivateKeyInfo();
            case null -> throw new IOException(pem + ": no PEM object");
            default -> throw new IOException(pem + ": not a private key");
        };
        String alg = switch (info.getPrivateKeyAlgorithm().getAlgorithm().getId()) {
            case "1.2.840.10045.2.1" -> "EC";
            case "1.2.840.113549.1.1.1" -> "RSA";
            case "1.3.101.112" -> "Ed25519";
            default -> throw new IOException(pem + ": unsupported key algorithm " + info.getPrivateKeyAlgorithm().getAlgorithm());
        };
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
    }
}
