package io.reizi.ota.crypto;

import io.reizi.ota.wire.CborValues;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Refusal;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.SignatureException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.util.BigIntegers;

/**
 * COSE_Sign1 (RFC 9052) as the contract uses it: {@code [protected {1: alg}, unprotected {4: kid},
 * payload, signature]}, tagged 18 or not; EdDSA (-8) and ES256 (-7, raw {@code r || s}).
 */
public final class CoseSign1 {
    public static final int TAG = 18;
    private static final long HEADER_ALG = 1;
    private static final long HEADER_CRIT = 2;
    private static final long HEADER_KID = 4;
    /** The header labels whose meaning this decoder applies, so {@code crit} may name them. */
    private static final Set<Long> UNDERSTOOD = Set.of(HEADER_ALG, HEADER_KID);

    /** A decoded envelope whose signature has not been checked yet. */
    public record Envelope(int alg, byte[] protectedHeader, Optional<byte[]> kid, byte[] payload, byte[] signature) {
        public String kidHex() {
            return kid.map(HexFormat.of()::formatHex).orElse("none");
        }
    }

    private CoseSign1() {}

    public static byte[] sign(byte[] payload, Keys.SigningKey key) {
        byte[] protectedHeader = protectedHeader(key.alg().coseId());
        byte[] toBeSigned = sigStructure(protectedHeader, payload);
        byte[] signature = switch (key.privateKey()) {
            case Ed25519PrivateKeyParameters ed -> {
                Ed25519Signer signer = new Ed25519Signer();
                signer.init(true, ed);
                signer.update(toBeSigned, 0, toBeSigned.length);
                yield signer.generateSignature();
            }
            case ECPrivateKeyParameters ec -> {
                ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
                signer.init(true, ec);
                BigInteger[] rs = signer.generateSignature(sha256(toBeSigned));
                byte[] out = new byte[64];
                BigIntegers.asUnsignedByteArray(rs[0], out, 0, 32);
                BigIntegers.asUnsignedByteArray(rs[1], out, 32, 32);
                yield out;
            }
            default -> throw new IllegalArgumentException("unsupported signing key");
        };
        return CborValues.write(payload.length + 128, g -> {
            g.writeTag(TAG);
            g.writeStartArray(null, 4);
            g.writeBinary(protectedHeader);
            g.writeStartObject(1);
            g.writeFieldId(HEADER_KID);
            g.writeBinary(key.kid());
            g.writeEndObject();
            g.writeBinary(payload);
            g.writeBinary(signature);
            g.writeEndArray();
        });
    }

    /**
     * Parses an envelope strictly (RFC 9052): tag 18 or no tag; header labels are integers; {@code alg} (1)
     * in the protected bucket; {@code crit} (2), if present, only in the protected bucket and naming labels
     * this decoder understands; no label in both buckets; {@code kid} (4) a byte string. Every defect is
     * {@code malformed}: the contract's word for a message of the wrong shape.
     */
    public static Envelope decode(byte[] cose) throws Refusal {
        CborValues.Tagged root;
        try {
            root = CborValues.readTagged(cose);
        } catch (IOException e) {
            throw malformed("COSE_Sign1 is not valid CBOR: " + e.getMessage());
        }
        if (root.tag().isPresent() && root.tag().getAsLong() != TAG) {
            throw malformed("COSE_Sign1 must be tagged 18 or untagged, not tag " + root.tag().getAsLong());
        }
        if (!(root.value() instanceof List<?> parts) || parts.size() != 4) throw malformed("COSE_Sign1 must be a 4-element array");
        if (!(parts.get(0) instanceof byte[] protectedBytes)) throw malformed("COSE_Sign1 protected header must be a byte string");
        if (!(parts.get(1) instanceof Map<?, ?> unprotectedHeader)) throw malformed("COSE_Sign1 unprotected header must be a map");
        if (!(parts.get(2) instanceof byte[] payload)) throw malformed("COSE_Sign1 payload must be a byte string (not detached)");
        if (!(parts.get(3) instanceof byte[] signature)) throw malformed("COSE_Sign1 signature must be a byte string");
        Object headers;
        try {
            headers = protectedBytes.length == 0 ? null : CborValues.read(protectedBytes);
        } catch (IOException e) {
            throw malformed("COSE_Sign1 protected header is not valid CBOR: " + e.getMessage());
        }
        if (!(headers instanceof Map<?, ?> protectedHeader)) throw malformed("COSE_Sign1 protected header must be a map");
        checkLabels("protected", protectedHeader);
        checkLabels("unprotected", unprotectedHeader);
        for (Object label : unprotectedHeader.keySet()) {
            if (protectedHeader.containsKey(label)) throw malformed("COSE header label " + label + " is in both buckets");
        }
        if (unprotectedHeader.containsKey(HEADER_CRIT)) throw malformed("COSE crit (2) must be in the protected header");
        if (protectedHeader.containsKey(HEADER_CRIT)) checkCrit(protectedHeader);
        if (!(protectedHeader.get(HEADER_ALG) instanceof Long alg)) {
            throw malformed("COSE_Sign1 protected header has no integer alg (1)");
        }
        if (alg != Keys.Alg.ED25519.coseId() && alg != Keys.Alg.ES256.coseId()) {
            throw malformed("COSE alg " + alg + " is not -8 (EdDSA) or -7 (ES256)");
        }
        Object kidValue = unprotectedHeader.containsKey(HEADER_KID) ? unprotectedHeader.get(HEADER_KID)
                : protectedHeader.get(HEADER_KID);
        if (kidValue != null && !(kidValue instanceof byte[])) throw malformed("COSE kid (4) must be a byte string");
        return new Envelope(alg.intValue(), protectedBytes, Optional.ofNullable((byte[]) kidValue), payload, signature);
    }

    /** RFC 9052 labels are int or tstr; the contract uses integers only, and so does this decoder. */
    private static void checkLabels(String bucket, Map<?, ?> header) throws Refusal {
        for (Object label : header.keySet()) {
            if (!(label instanceof Long)) {
                throw malformed("COSE " + bucket + " header label '" + label + "' is not an integer");
            }
        }
    }

    /** RFC 9052 3.1: a non-empty array of labels present in the protected header that the recipient understands. */
    private static void checkCrit(Map<?, ?> protectedHeader) throws Refusal {
        if (!(protectedHeader.get(HEADER_CRIT) instanceof List<?> crit) || crit.isEmpty()) {
            throw malformed("COSE crit (2) must be a non-empty array of labels");
        }
        for (Object label : crit) {
            if (!UNDERSTOOD.contains(label)) throw malformed("COSE crit names label " + label + ", which is not understood");
            if (!protectedHeader.containsKey(label)) throw malformed("COSE crit names label " + label + ", which is absent");
        }
    }

    /**
     * Checks the envelope's signature against one public key, with the JDK's verifiers (the key is the JDK's:
     * {@link PublicKeys#read}). Both algorithms' signatures are 64 bytes (ES256 as raw {@code r || s}); a
     * signature the verifier cannot even parse (a value out of range) does not verify.
     */
    public static boolean verify(Envelope env, Keys.PublicKey key) {
        if (key.alg().coseId() != env.alg() || env.signature().length != 64) return false;
        byte[] toBeSigned = sigStructure(env.protectedHeader(), env.payload());
        Signature verifier;
        try {
            verifier = Signature.getInstance(key.alg().jcaSignature());
            verifier.initVerify(key.key());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot verify " + key.alg() + " with key " + key.source(), e);
        }
        try {
            verifier.update(toBeSigned);
            return verifier.verify(env.signature());
        } catch (SignatureException e) {
            return false;
        }
    }

    /** The bytes that are signed: {@code ["Signature1", protected, h'', payload]} with definite lengths. */
    static byte[] sigStructure(byte[] protectedHeader, byte[] payload) {
        return CborValues.write(payload.length + 32, g -> {
            g.writeStartArray(null, 4);
            g.writeString("Signature1");
            g.writeBinary(protectedHeader);
            g.writeBinary(new byte[0]);
            g.writeBinary(payload);
            g.writeEndArray();
        });
    }

    private static byte[] protectedHeader(int alg) {
        return CborValues.write(16, g -> {
            g.writeStartObject(1);
            g.writeFieldId(HEADER_ALG);
            g.writeNumber(alg);
            g.writeEndObject();
        });
    }

    private static byte[] sha256(byte[] data) {
        SHA256Digest d = new SHA256Digest();
        d.update(data, 0, data.length);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }

    private static Refusal malformed(String detail) {
        return new Refusal(ErrorCode.MALFORMED, detail);
    }
}
