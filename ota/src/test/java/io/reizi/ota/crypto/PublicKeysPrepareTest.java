package io.reizi.ota.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The start's preparation reads a real key through the same path as a trusted key: RFC 8410's example. */
class PublicKeysPrepareTest {
    @Test
    void prepareReadsRfc8410sExampleEd25519Key() {
        Keys.PublicKey example = PublicKeys.prepare();
        assertEquals(Keys.Alg.ED25519, example.alg());
        // RFC 8410 section 10.1: the key's 32 bytes end the X.509 form
        assertEquals("19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1",
                java.util.HexFormat.of().formatHex(example.key().getEncoded(), 12, 44));
    }
}
