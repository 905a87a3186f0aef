package io.reizi.ota.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.wire.CborValues;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Refusal;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 9052 strictness of the COSE_Sign1 decoder. Every envelope here is correctly signed by a trusted key,
 * so a refusal can only come from the defect under test, and an acceptance proves the envelope verifies.
 */
class CoseStrictnessTest {
    static final byte[] PAYLOAD = {1, 2, 3};
    static final Keys.SigningKey KEY = Keys.generate(Keys.Alg.ED25519);
    static final TrustedKeys TRUST = new TrustedKeys(List.of(CoseSign1Test.publicOf(KEY)));

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h.replace(" ", ""));
    }

    /** A signed COSE_Sign1 with the given protected header bytes, unprotected header (CBOR hex) and tag. */
    static byte[] envelope(Long tag, String protectedHex, String unprotectedHex) {
        byte[] protectedHeader = hex(protectedHex);
        byte[] tbs = CoseSign1.sigStructure(protectedHeader, PAYLOAD);
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, (Ed25519PrivateKeyParameters) KEY.privateKey());
        signer.update(tbs, 0, tbs.length);
        byte[] signature = signer.generateSignature();
        String body = "84" + HexFormat.of().formatHex(CborValues.write(64, g -> g.writeBinary(protectedHeader)))
                + unprotectedHex.replace(" ", "")
                + HexFormat.of().formatHex(CborValues.write(8, g -> g.writeBinary(PAYLOAD)))
                + HexFormat.of().formatHex(CborValues.write(80, g -> g.writeBinary(signature)));
        String tagHex = tag == null ? "" : HexFormat.of().formatHex(CborValues.write(8, g -> g.writeTag(tag.intValue())));
        return hex(tagHex + body);
    }

    static void accepted(byte[] cose) throws Refusal {
        CoseSign1.Envelope env = CoseSign1.decode(cose);
        assertArrayEquals(PAYLOAD, env.payload());
        TRUST.verify(env);
    }

    static void malformed(byte[] cose, String detail) {
        Refusal r = assertThrows(Refusal.class, () -> CoseSign1.decode(cose));
        assertEquals(ErrorCode.MALFORMED, r.code(), r.getMessage());
        assertTrue(r.getMessage().contains(detail), r.getMessage());
    }

    @Test
    void tag18AndUntaggedAreAccepted() throws Exception {
        accepted(envelope(18L, "a10127", "a0"));
        accepted(envelope(null, "a10127", "a0"));
    }

    @ParameterizedTest
    @ValueSource(longs = {98, 17, 16, 96, 61, 0, 55799})
    void everyOtherTagIsRefused(long tag) {
        malformed(envelope(tag, "a10127", "a0"), "must be tagged 18 or untagged");
    }

    @Test
    void aChainOfTagsIsRefused() {
        byte[] inner = envelope(18L, "a10127", "a0");
        byte[] chained = new byte[inner.length + 1];
        chained[0] = (byte) 0xd2;
        System.arraycopy(inner, 0, chained, 1, inner.length);
        malformed(chained, "more than one tag");
    }

    @Test
    void textLabelsAreNotIntegerLabels() {
        malformed(envelope(18L, "a1 6131 27", "a0"), "label '1' is not an integer"); // {"1": -8}
        malformed(envelope(18L, "a2 01 27 6178 01", "a0"), "label 'x' is not an integer");
        malformed(envelope(18L, "a10127", "a1 6134 41 00"), "unprotected header label '4' is not an integer");
    }

    @Test
    void critMustNameOnlyUnderstoodLabelsPresentInTheProtectedHeader() throws Exception {
        accepted(envelope(18L, "a2 01 27 02 81 01", "a0")); // crit [alg]: understood
        malformed(envelope(18L, "a3 01 27 02 81 1863 1863 01", "a0"), "label 99, which is not understood");
        malformed(envelope(18L, "a3 01 27 02 81 03 03 00", "a0"), "label 3, which is not understood");
        malformed(envelope(18L, "a2 01 27 02 80", "a0"), "non-empty array");
        malformed(envelope(18L, "a2 01 27 02 01", "a0"), "non-empty array");
        malformed(envelope(18L, "a2 01 27 02 81 04", "a0"), "label 4, which is absent");
        malformed(envelope(18L, "a10127", "a1 02 81 01"), "crit (2) must be in the protected header");
    }

    @Test
    void headerShapesTheContractDoesNotAllowAreRefused() {
        malformed(envelope(18L, "a10127", "a1 01 27"), "label 1 is in both buckets");
        malformed(envelope(18L, "a10127", "a1 04 6161"), "kid (4) must be a byte string");
        malformed(envelope(18L, "a1 01 6545644453 41", "a0"), "no integer alg"); // alg "EdDSA" as text
        malformed(envelope(18L, "a1 01 3822", "a0"), "is not -8 (EdDSA) or -7 (ES256)");
        malformed(envelope(18L, "", "a0"), "protected header must be a map");
        malformed(envelope(18L, "a10127 00", "a0"), "trailing bytes");
    }
}
