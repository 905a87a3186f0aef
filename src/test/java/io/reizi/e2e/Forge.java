package io.reizi.e2e;

import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.Sha256;
import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.util.BigIntegers;

/**
 * COSE_Sign1 envelopes assembled part by part (RFC 9052 §4.2), so that a test can spoil exactly one part — a tag,
 * a header, the payload, the signature — of an otherwise correctly signed manifest.
 */
final class Forge {
    static final long SIGN1_TAG = 18;
    /** The order of the Ed25519 group: adding it to S gives the non-canonical twin of a valid signature. */
    static final BigInteger ED25519_L = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));

    private Forge() {}

    /** The four parts as encoded CBOR items (not yet in the array). */
    record Parts(byte[] protectedItem, byte[] unprotectedItem, byte[] payloadItem, byte[] signatureItem) {
        Parts protectedItem(byte[] item) {
            return new Parts(item, unprotectedItem, payloadItem, signatureItem);
        }

        Parts unprotectedItem(byte[] item) {
            return new Parts(protectedItem, item, payloadItem, signatureItem);
        }

        Parts payloadItem(byte[] item) {
            return new Parts(protectedItem, unprotectedItem, item, signatureItem);
        }

        Parts signatureItem(byte[] item) {
            return new Parts(protectedItem, unprotectedItem, payloadItem, item);
        }

        /** Tagged 18, as the contract's publishers send it. */
        byte[] tagged() {
            return Cbor.tag(SIGN1_TAG, untagged());
        }

        byte[] untagged() {
            return Cbor.array(protectedItem, unprotectedItem, payloadItem, signatureItem);
        }
    }

    static byte[] algHeader(long alg) {
        return Cbor.map(Cbor.uint(1), Cbor.integer(alg));
    }

    static byte[] kidHeader(byte[] kid) {
        return Cbor.map(Cbor.uint(4), Cbor.bstr(kid));
    }

    /** A correctly signed envelope of {@code payload} whose protected header bytes are {@code protectedHeader}. */
    static Parts signed(byte[] payload, Keys.SigningKey key, byte[] protectedHeader) {
        return new Parts(Cbor.bstr(protectedHeader), kidHeader(key.kid()), Cbor.bstr(payload),
                Cbor.bstr(signature(key, protectedHeader, payload)));
    }

    static Parts signed(byte[] payload, Keys.SigningKey key) {
        return signed(payload, key, algHeader(key.alg().coseId()));
    }

    /** {@code ["Signature1", protected, h'', payload]}. */
    static byte[] toBeSigned(byte[] protectedHeader, byte[] payload) {
        return Cbor.array(Cbor.text("Signature1"), Cbor.bstr(protectedHeader), Cbor.bstr(new byte[0]), Cbor.bstr(payload));
    }

    /** The contract's signature: Ed25519, or ES256 as the 64-byte {@code r || s}. */
    static byte[] signature(Keys.SigningKey key, byte[] protectedHeader, byte[] payload) {
        byte[] tbs = toBeSigned(protectedHeader, payload);
        if (key.privateKey() instanceof Ed25519PrivateKeyParameters ed) {
            Ed25519Signer signer = new Ed25519Signer();
            signer.init(true, ed);
            signer.update(tbs, 0, tbs.length);
            return signer.generateSignature();
        }
        BigInteger[] rs = ecdsa(key, tbs);
        byte[] out = new byte[64];
        BigIntegers.asUnsignedByteArray(rs[0], out, 0, 32);
        BigIntegers.asUnsignedByteArray(rs[1], out, 32, 32);
        return out;
    }

    /** ES256 as X.509 and TLS carry it (ASN.1 DER {@code SEQUENCE {r, s}}), which COSE forbids. */
    static byte[] derSignature(Keys.SigningKey ecKey, byte[] protectedHeader, byte[] payload) throws Exception {
        BigInteger[] rs = ecdsa(ecKey, toBeSigned(protectedHeader, payload));
        return new DERSequence(new ASN1Integer[] {new ASN1Integer(rs[0]), new ASN1Integer(rs[1])}).getEncoded();
    }

    /** The same Ed25519 signature with S replaced by S + L: verifies on lax implementations, never on RFC 8032 ones. */
    static byte[] nonCanonical(byte[] edSignature) {
        byte[] s = Arrays.copyOfRange(edSignature, 32, 64);
        BigInteger sPlusL = new BigInteger(1, reversed(s)).add(ED25519_L);
        byte[] out = edSignature.clone();
        System.arraycopy(reversed(BigIntegers.asUnsignedByteArray(32, sPlusL)), 0, out, 32, 32);
        return out;
    }

    private static byte[] reversed(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) r[i] = b[b.length - 1 - i];
        return r;
    }

    private static BigInteger[] ecdsa(Keys.SigningKey key, byte[] tbs) {
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, (ECPrivateKeyParameters) key.privateKey());
        return signer.generateSignature(Sha256.digest(tbs));
    }
}
