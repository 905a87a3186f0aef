package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publication;
import io.reizi.agent.Publisher;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every refusal of the contract gives its `error` code, and leaves the installed release exactly as it was:
 * same active bank, same image, same state file.
 */
class RefusalTest {
    static final String ID = "guard";
    static final Duration WAIT = Duration.ofSeconds(20);
    @TempDir
    static Path dir;
    static TestBed bed;
    static RawMqtt raw;
    static Path v5;

    @BeforeAll
    static void up() throws Exception {
        bed = new TestBed(dir);
        bed.agent(ID, "--hw", "board-x", "--max-image-size", "8388608",
                "--health-cmd", "test \"$REIZI_VER\" != 66");
        v5 = bed.image("v5.img", 300_000, 5);
        Publication r = bed.release(ID, v5, 5, 16384, bed.edKey);
        Publisher.Outcome installed = bed.publish(r.toBuilder().hw(Optional.of(List.of("board-x"))).build());
        assertTrue(installed.success(), installed.summary());
        raw = new RawMqtt(bed.broker.url());
    }

    @AfterAll
    static void down() throws Exception {
        raw.close();
        bed.close();
    }

    /** Publishes a manifest and expects {@code failed} with {@code error}, and nothing installed touched. */
    private static Status refused(byte[] cose, Long ver, ErrorCode error) throws Exception {
        Path data = bed.dataDir(ID);
        String image = TestBed.sha256(data.resolve("current/image"));
        Path link = Files.readSymbolicLink(data.resolve("current"));
        String state = Files.readString(data.resolve("state.json"));
        int mark = bed.watcher.mark();
        raw.manifest(ID, cose);
        Status s = bed.watcher.await(mark, ID, x -> x.state() == OtaState.FAILED, WAIT);
        assertEquals(error, s.error(), "detail: " + s.detail());
        assertEquals(ver, s.ver());
        assertTrue(s.detail() != null && !s.detail().isBlank(), "a refusal says why");
        assertEquals(5L, s.activeVer());
        assertEquals(image, TestBed.sha256(data.resolve("current/image")));
        assertEquals(link, Files.readSymbolicLink(data.resolve("current")));
        assertEquals(state, Files.readString(data.resolve("state.json")));
        assertTrue(bed.watcher.since(mark, ID).stream().noneMatch(x -> x.state() == OtaState.DOWNLOADING));
        return s;
    }

    private static byte[] signed(long ver, Consumer<Map<String, Object>> spoil) throws Exception {
        Map<String, Object> f = RawMqtt.fields(v5, ver, 16384);
        spoil.accept(f);
        return RawMqtt.sign(f, bed.edKey);
    }

    @Test
    void badSignature() throws Exception {
        byte[] cose = signed(6, f -> {});
        cose[cose.length - 1] ^= 0x01; // the last byte of the encoding is the signature's last byte
        refused(cose, 6L, ErrorCode.BAD_SIGNATURE);
        byte[] es = RawMqtt.sign(RawMqtt.fields(v5, 6, 16384), bed.ecKey);
        es[es.length - 5] ^= 0x40;
        refused(es, 6L, ErrorCode.BAD_SIGNATURE);
    }

    @Test
    void untrustedKey() throws Exception {
        byte[] cose = RawMqtt.sign(RawMqtt.fields(v5, 6, 16384), Keys.generate(Keys.Alg.ED25519));
        refused(cose, 6L, ErrorCode.UNTRUSTED_KEY);
    }

    @Test
    void downgradeAndSameVerAreRefused() throws Exception {
        refused(signed(4, f -> {}), 4L, ErrorCode.ROLLBACK_REFUSED);
        refused(signed(5, f -> f.put("hash", "sha256:" + "0".repeat(64))), 5L, ErrorCode.ROLLBACK_REFUSED);
    }

    @Test
    void hardwareMismatch() throws Exception {
        refused(signed(6, f -> f.put("hw", List.of("board-y", "board-z"))), 6L, ErrorCode.HW_MISMATCH);
    }

    @Test
    void expired() throws Exception {
        refused(signed(6, f -> f.put("expires", System.currentTimeMillis() / 1000 - 60)), 6L, ErrorCode.EXPIRED);
    }

    @Test
    void tooLarge() throws Exception {
        refused(signed(6, f -> {
            f.put("size", 16 * 1024 * 1024);
            f.put("chunk", 65536);
            f.put("count", 256);
        }), 6L, ErrorCode.TOO_LARGE);
    }

    @Test
    void malformedFields() throws Exception {
        refused(signed(6, f -> f.remove("hash")), 6L, ErrorCode.MALFORMED);
        refused(signed(6, f -> f.put("hash", "md5:abc")), 6L, ErrorCode.MALFORMED);
        refused(signed(6, f -> f.put("count", 3)), 6L, ErrorCode.MALFORMED);
        refused(signed(6, f -> f.put("chunk", "16384")), 6L, ErrorCode.MALFORMED);
        refused(signed(6, f -> f.put("kind", "firmware")), 6L, ErrorCode.MALFORMED);
        refused(signed(6, f -> f.put("v", 2)), 6L, ErrorCode.MALFORMED);
        refused(signed(6, f -> f.remove("fw")), 6L, ErrorCode.MALFORMED);
        Status textVer = refused(signed(6, f -> f.put("ver", "6")), null, ErrorCode.MALFORMED);
        assertTrue(textVer.detail().contains("ver"), textVer.detail());
        refused(RawMqtt.CBOR.writeValueAsBytes(List.of(1, 2, 3)), null, ErrorCode.MALFORMED);
        refused("not cbor at all".getBytes(), null, ErrorCode.MALFORMED);
    }

    @Test
    void aJarWithoutEntryIsMalformed() throws Exception {
        Status s = refused(signed(6, f -> f.put("kind", "jar")), 6L, ErrorCode.MALFORMED);
        assertTrue(s.detail().contains("entry"), s.detail());
    }

    @Test
    void aRolledBackReleaseIsNeverInstalledAgain() throws Exception {
        Path v66 = bed.image("v66.img", 100_000, 66);
        Publisher.Outcome outcome = bed.publish(bed.release(ID, v66, 66, 16384, bed.edKey));
        assertFalse(outcome.success());
        Status rolledBack = outcome.devices().get(ID);
        assertEquals(OtaState.ROLLED_BACK, rolledBack.state());
        assertEquals(ErrorCode.HEALTH_CHECK_FAILED, rolledBack.error());
        assertEquals(TestBed.sha256(v5), TestBed.sha256(bed.dataDir(ID).resolve("current/image")));
        assertTrue(Files.readString(bed.dataDir(ID).resolve("state.json")).contains("66"));
        // The same release again is answered with its rollback, reason kept; another image under ver 66 is refused.
        int mark = bed.watcher.mark();
        raw.manifest(ID, RawMqtt.sign(RawMqtt.fields(v66, 66, 16384), bed.edKey));
        Status again = bed.watcher.awaitState(mark, ID, 66, OtaState.ROLLED_BACK, TestBed.LONG);
        assertEquals(rolledBack.detail(), again.detail());
        assertEquals(ErrorCode.HEALTH_CHECK_FAILED, again.error());
        refused(RawMqtt.sign(RawMqtt.fields(bed.image("v66b.img", 100_000, 67), 66, 16384), bed.edKey), 66L,
                ErrorCode.ROLLBACK_REFUSED);
    }
}
