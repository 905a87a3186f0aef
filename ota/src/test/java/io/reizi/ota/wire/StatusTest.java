package io.reizi.ota.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.reizi.ota.wire.Bank;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StatusTest {
    /** Every field set, none left to its default. */
    static Status everyField() {
        return Status.builder("dev-1", OtaState.DOWNLOADING).fw("router").ver(7L).label("7.0.0").received(3).count(10)
                .bytes(3072L).progress(0.3).rateBps(1_000_000L)
                .need(List.of(new ChunkRange(3, 5), new ChunkRange(9, 9))).active(Bank.B).activeVer(6L).swapMs(2.5)
                .error(ErrorCode.NO_SPACE).detail("disk \"full\"").net(NetHealth.DEGRADED).wdtMs(1000L).reused(40)
                .reusedBytes(163_840L).ts(1_795_000_000_000L).build();
    }

    static Status parse(String json) throws IOException {
        return Status.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void writesEveryFieldInTheOrderPublishersRead() {
        assertEquals("{\"id\":\"dev-1\",\"state\":\"downloading\",\"fw\":\"router\",\"ver\":7,\"label\":\"7.0.0\","
                + "\"received\":3,\"count\":10,\"bytes\":3072,\"progress\":0.3,\"rate_bps\":1000000,"
                + "\"need\":[[3,5],[9,9]],\"active\":\"b\",\"active_ver\":6,\"swap_ms\":2.5,\"error\":\"no_space\","
                + "\"detail\":\"disk \\\"full\\\"\",\"net\":\"degraded\",\"wdt_ms\":1000,\"reused\":40,"
                + "\"reused_bytes\":163840,\"ts\":1795000000000}", everyField().toString());
    }

    @Test
    void everyFieldSurvivesARoundTrip() throws IOException {
        Status s = everyField();
        Status back = Status.parse(s.toJson());
        assertEquals(s, back);
        assertEquals("dev-1", back.id());
        assertEquals(OtaState.DOWNLOADING, back.state());
        assertEquals("router", back.fw());
        assertEquals(7L, back.ver());
        assertEquals("7.0.0", back.label());
        assertEquals(3, back.received());
        assertEquals(10, back.count());
        assertEquals(3072L, back.bytes());
        assertEquals(0.3, back.progress());
        assertEquals(1_000_000L, back.rateBps());
        assertEquals(List.of(new ChunkRange(3, 5), new ChunkRange(9, 9)), back.need());
        assertEquals(Bank.B, back.active());
        assertEquals(6L, back.activeVer());
        assertEquals(2.5, back.swapMs());
        assertEquals(ErrorCode.NO_SPACE, back.error());
        assertEquals("disk \"full\"", back.detail());
        assertEquals(NetHealth.DEGRADED, back.net());
        assertEquals(1000L, back.wdtMs());
        assertEquals(40, back.reused());
        assertEquals(163_840L, back.reusedBytes());
        assertEquals(1_795_000_000_000L, back.ts());
    }

    @Test
    void aGenericJsonReaderSeesTheContractsNamesAndValues() throws IOException {
        JsonNode json = new ObjectMapper().readTree(everyField().toJson());
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) names.add(it.next());
        assertEquals(List.of("id", "state", "fw", "ver", "label", "received", "count", "bytes", "progress", "rate_bps",
                "need", "active", "active_ver", "swap_ms", "error", "detail", "net", "wdt_ms", "reused", "reused_bytes",
                "ts"), names);
        assertEquals("[[3,5],[9,9]]", json.get("need").toString());
        assertEquals("b", json.get("active").textValue());
    }

    @Test
    void leavesOutWhatDoesNotApplyAndReadsItBackAsAbsent() throws IOException {
        Status s = Status.builder("d", OtaState.IDLE).active(Bank.A).activeVer(1L).net(NetHealth.GOOD).ts(9).build();
        assertEquals("{\"id\":\"d\",\"state\":\"idle\",\"active\":\"a\",\"active_ver\":1,\"net\":\"good\",\"ts\":9}",
                s.toString());
        Status back = Status.parse(s.toJson());
        assertNull(back.ver());
        assertNull(back.need());
        assertNull(back.error());
        assertEquals(s, back);
    }

    @Test
    void anEmptyNeedIsNotAnAbsentOne() throws IOException {
        Status waiting = Status.builder("d", OtaState.DOWNLOADING).need(List.of()).ts(1).build();
        assertEquals("{\"id\":\"d\",\"state\":\"downloading\",\"need\":[],\"ts\":1}", waiting.toString());
        assertEquals(List.of(), Status.parse(waiting.toJson()).need());
    }

    @Test
    void theOfflineStatusHasOnlyIdStateAndTs() throws IOException {
        Status offline = Status.offline("dev-1", 5);
        assertEquals("{\"id\":\"dev-1\",\"state\":\"offline\",\"ts\":5}", offline.toString());
        assertTrue(Status.parse(offline.toJson()).isOffline());
        assertNull(offline.sentAt(NetHealth.DOWN, 6).net(), "the will carries no net");
        assertEquals(NetHealth.DOWN, everyField().sentAt(NetHealth.DOWN, 6).net());
        assertEquals(6, everyField().sentAt(NetHealth.DOWN, 6).ts());
    }

    @Test
    void readsWhatOtherPublishersSendSkippingUnknownFieldsAndNulls() throws IOException {
        Status s = parse("""
                {"id":"d","state":"failed","ver":4,"error":"image_hash_mismatch","need":null,"progress":1,
                 "future":{"nested":[1,{"a":2,"state":"weird"}]},"later":[["x"]],"ts":12}""");
        assertEquals(OtaState.FAILED, s.state());
        assertTrue(s.isTerminal());
        assertEquals(4L, s.ver());
        assertEquals(ErrorCode.IMAGE_HASH_MISMATCH, s.error());
        assertEquals(1.0, s.progress());
        assertNull(s.need());
        assertEquals(12L, s.ts());
    }

    /** The contract lists these values: one outside the list is refused, named, never guessed at. */
    @ParameterizedTest
    @ValueSource(strings = {
            "{\"id\":\"d\",\"state\":\"paused\",\"ts\":1}|'state' is 'paused'",
            "{\"id\":\"d\",\"state\":\"COMMITTED\",\"ts\":1}|'state' is 'COMMITTED'",
            "{\"id\":\"d\",\"state\":\"failed\",\"error\":\"hash_mismatch\",\"ts\":1}|'error' is 'hash_mismatch'",
            "{\"id\":\"d\",\"state\":\"idle\",\"net\":\"great\",\"ts\":1}|'net' is 'great'",
            "{\"id\":\"d\",\"state\":\"idle\",\"active\":\"c\",\"ts\":1}|'active' is 'c'"})
    void aValueOutsideTheContractIsAClearParseError(String caseAndMessage) {
        String[] parts = caseAndMessage.split("\\|");
        IOException e = assertThrows(IOException.class, () -> parse(parts[0]));
        assertTrue(e.getMessage().contains(parts[1]) && e.getMessage().contains("not one of the contract's"),
                e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "[1]",
            "{\"state\":\"idle\",\"ts\":1}",
            "{\"id\":\"d\",\"ts\":1}",
            "{\"id\":\"d\",\"state\":\"idle\"}",
            "{\"id\":\"d\",\"state\":7,\"ts\":1}",
            "{\"id\":{\"x\":1},\"state\":\"idle\",\"ts\":1}",
            "{\"id\":\"d\",\"state\":\"idle\",\"ver\":\"4\",\"ts\":1}",
            "{\"id\":\"d\",\"state\":\"idle\",\"ver\":4.5,\"ts\":1}",
            "{\"id\":\"d\",\"state\":\"idle\",\"received\":9999999999,\"ts\":1}",
            "{\"id\":\"d\",\"state\":\"downloading\",\"need\":[[3]],\"ts\":1}",
            "{\"id\":\"d\",\"state\":\"downloading\",\"need\":[[5,3]],\"ts\":1}",
            "{\"id\":\"d\",\"state\":\"downloading\",\"need\":[[-1,3]],\"ts\":1}",
            "{\"id\":\"d\",\"state\":\"downloading\",\"need\":[[1,2,3]],\"ts\":1}",
            "{\"id\":\"d\",\"state\":\"downloading\",\"need\":[3,4],\"ts\":1}",
            "{\"id\":\"d\",\"state\":\"downloading\",\"need\":{},\"ts\":1}",
            "{\"id\":\"d\",\"state\":\"idle\",\"ts\":1",
            ""})
    void aMalformedStatusIsAnIoExceptionNotACrash(String json) {
        IOException e = assertThrows(IOException.class, () -> parse(json));
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
    }

    /** Whatever arrives on a status topic: a status or an IOException, never another exception. */
    @Test
    void damagedStatusesAreReadOrRefusedNeverThrownOther() {
        byte[] good = everyField().toJson();
        String damage = "{}[],:\"0123456789-.eE abnt\\\u00ff";
        Random random = new Random(7);
        int read = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] damaged = good.clone();
            for (int k = 1 + random.nextInt(4); k > 0; k--) {
                damaged[random.nextInt(damaged.length)] = (byte) damage.charAt(random.nextInt(damage.length()));
            }
            try {
                Status.parse(damaged);
                read++;
            } catch (IOException expected) {
                // refused with a message: what a reader logs
            } catch (RuntimeException e) {
                throw new AssertionError("parsing " + new String(damaged, StandardCharsets.UTF_8) + " threw " + e, e);
            }
        }
        assertTrue(read > 0, "some damage is harmless (a digit for a digit)");
    }

    @Test
    void aStatusWithoutIdOrStateCannotBeBuilt() {
        assertThrows(NullPointerException.class, () -> Status.builder(null, OtaState.IDLE).build());
        assertThrows(NullPointerException.class, () -> Status.builder("d", null).build());
    }

    @Test
    void theDerivedCopiesChangeOnlyWhatTheySay() {
        Status s = everyField();
        assertEquals(s.toBuilder().ts(99).build(), s.withTs(99));
        assertEquals(s, s.toBuilder().build());
        assertTrue(s.is(OtaState.DOWNLOADING) && !s.isTerminal() && !s.isOffline());
    }
}
