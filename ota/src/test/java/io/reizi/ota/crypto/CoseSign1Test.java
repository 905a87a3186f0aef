package io.reizi.ota.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Refusal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CoseSign1Test {
    static final byte[] PAYLOAD = "manifest bytes".getBytes(StandardCharsets.UTF_8);

    @ParameterizedTest
    @EnumSource(Keys.Alg.class)
    void signsAndVerifiesWithBothAlgorithms(Keys.Alg alg) throws Exception {
        Keys.SigningKey key = Keys.generate(alg);
        byte[] cose = CoseSign1.sign(PAYLOAD, key);
        assertEquals((byte) 0xd2, cose[0], "tagged with 18");
        CoseSign1.Envelope env = CoseSign1.decode(cose);
        assertEquals(alg.coseId(), env.alg());
        assertArrayEquals(PAYLOAD, env.payload());
        assertArrayEquals(key.kid(), env.kid().orElseThrow());
        assertEquals(64, env.signature().length);
        TrustedKeys trust = new TrustedKeys(List.of(publicOf(key)));
        assertSame(trust.keys().getFirst(), trust.verify(env));
    }

    @Test
    void protectedHeaderAndSigStructureAreTheCanonicalRfc9052Bytes() {
        // {1: -8} and ["Signature1", h'a10127', h'', h'00'] with definite lengths.
        assertEquals("84" + "6a5369676e617475726531" + "43a10127" + "40" + "4100",
                HexFormat.of().formatHex(CoseSign1.sigStructure(HexFormat.of().parseHex("a10127"), new byte[] {0})));
        CoseSign1.Envelope env = decodeUnchecked(CoseSign1.sign(PAYLOAD, Keys.generate(Keys.Alg.ED25519)));
        assertEquals("a10127", HexFormat.of().formatHex(env.protectedHeader()));
    }

    @Test
    void untaggedEnvelopeWithoutKidTriesEveryKey() throws Exception {
        Keys.SigningKey signer = Keys.generate(Keys.Alg.ES256);
        CoseSign1.Envelope tagged = CoseSign1.decode(CoseSign1.sign(PAYLOAD, signer));
        // Re-encode untagged with an empty unprotected map, as another implementation might.
        byte[] untagged = new CBORMapper().writeValueAsBytes(new Object[] {
                tagged.protectedHeader(), java.util.Map.of(), tagged.payload(), tagged.signature()});
        CoseSign1.Envelope env = CoseSign1.decode(untagged);
        assertEquals(java.util.Optional.empty(), env.kid());
        TrustedKeys trust = new TrustedKeys(List.of(publicOf(Keys.generate(Keys.Alg.ED25519)), publicOf(signer)));
        assertArrayEquals(signer.kid(), trust.verify(env).kid());
    }

    @Test
    void refusalsNameTheRightError() throws Exception {
        Keys.SigningKey trusted = Keys.generate(Keys.Alg.ED25519);
        TrustedKeys trust = new TrustedKeys(List.of(publicOf(trusted)));
        byte[] cose = CoseSign1.sign(PAYLOAD, trusted);
        cose[cose.length - 1] ^= 1;
        assertEquals(ErrorCode.BAD_SIGNATURE, refusal(() -> trust.verify(CoseSign1.decode(cose))));
        byte[] other = CoseSign1.sign(PAYLOAD, Keys.generate(Keys.Alg.ED25519));
        assertEquals(ErrorCode.UNTRUSTED_KEY, refusal(() -> trust.verify(CoseSign1.decode(other))));
        assertEquals(ErrorCode.MALFORMED, refusal(() -> CoseSign1.decode(new byte[] {(byte) 0x83, 1, 2, 3})));
        assertEquals(ErrorCode.MALFORMED, refusal(() -> CoseSign1.decode("junk".getBytes())));
    }

    @Test
    void pemFilesRoundTrip(@TempDir Path dir) throws Exception {
        for (Keys.Alg alg : Keys.Alg.values()) {
            Keys.SigningKey key = Keys.generate(alg);
            Path priv = Files.writeString(dir.resolve(alg + ".key"), Keys.privatePem(key));
            Path pub = Files.writeString(dir.resolve(alg + ".pem"), Keys.publicPem(key.publicKey()));
            Keys.SigningKey read = Keys.readPrivate(priv);
            assertArrayEquals(key.kid(), read.kid());
            assertArrayEquals(key.kid(), PublicKeys.read(pub).kid());
            byte[] cose = CoseSign1.sign(PAYLOAD, read);
            TrustedKeys.load(dir).verify(CoseSign1.decode(cose));
        }
    }

    /**
     * Signatures that must not verify, whichever library checks them: Ed25519 with S + L (the non-canonical
     * twin of a valid one, RFC 8032 5.1.7), ES256 with r or s zero or at the group order, and an ES256
     * signature read as Ed25519. Each is bad_signature, not an exception.
     */
    @Test
    void outOfRangeSignaturesDoNotVerify() throws Exception {
        Keys.SigningKey ed = Keys.generate(Keys.Alg.ED25519);
        Keys.SigningKey ec = Keys.generate(Keys.Alg.ES256);
        TrustedKeys trust = new TrustedKeys(List.of(publicOf(ed), publicOf(ec)));
        CoseSign1.Envelope edEnv = CoseSign1.decode(CoseSign1.sign(PAYLOAD, ed));
        assertSame(trust.keys().get(0), trust.verify(edEnv));
        byte[] s = java.util.Arrays.copyOfRange(edEnv.signature(), 32, 64);
        java.math.BigInteger l = java.math.BigInteger.TWO.pow(252).add(new java.math.BigInteger("27742317777372353535851937790883648493"));
        byte[] sPlusL = littleEndian(new java.math.BigInteger(1, littleEndian(s)).add(l));
        byte[] twin = edEnv.signature().clone();
        System.arraycopy(sPlusL, 0, twin, 32, 32);
        assertEquals(ErrorCode.BAD_SIGNATURE, refusal(() -> trust.verify(withSignature(edEnv, twin))));

        CoseSign1.Envelope ecEnv = CoseSign1.decode(CoseSign1.sign(PAYLOAD, ec));
        assertSame(trust.keys().get(1), trust.verify(ecEnv));
        byte[] n = HexFormat.of().parseHex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
        for (int half = 0; half < 2; half++) {
            byte[] zero = ecEnv.signature().clone();
            java.util.Arrays.fill(zero, half * 32, half * 32 + 32, (byte) 0);
            byte[] order = ecEnv.signature().clone();
            System.arraycopy(n, 0, order, half * 32, 32);
            assertEquals(ErrorCode.BAD_SIGNATURE, refusal(() -> trust.verify(withSignature(ecEnv, zero))));
            assertEquals(ErrorCode.BAD_SIGNATURE, refusal(() -> trust.verify(withSignature(ecEnv, order))));
        }
        CoseSign1.Envelope ecAsEd = new CoseSign1.Envelope(Keys.Alg.ED25519.coseId(), edEnv.protectedHeader(),
                java.util.Optional.empty(), ecEnv.payload(), ecEnv.signature());
        assertEquals(ErrorCode.BAD_SIGNATURE, refusal(() -> trust.verify(ecAsEd)));
    }

    private static CoseSign1.Envelope withSignature(CoseSign1.Envelope env, byte[] signature) {
        return new CoseSign1.Envelope(env.alg(), env.protectedHeader(), env.kid(), env.payload(), signature);
    }

    /** A 32-byte little-endian scalar and back (Ed25519's S). */
    private static byte[] littleEndian(java.math.BigInteger value) {
        byte[] big = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, value);
        return littleEndian(big);
    }

    private static byte[] littleEndian(byte[] bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = bytes[bytes.length - 1 - i];
        return out;
    }

    interface Call {
        void run() throws Refusal;
    }

    static ErrorCode refusal(Call call) {
        return assertThrows(Refusal.class, call::run).code();
    }

    static Keys.PublicKey publicOf(Keys.SigningKey k) {
        return Keys.publicOf(k);
    }

    static CoseSign1.Envelope decodeUnchecked(byte[] cose) {
        try {
            return CoseSign1.decode(cose);
        } catch (Refusal r) {
            throw new AssertionError(r);
        }
    }
}
