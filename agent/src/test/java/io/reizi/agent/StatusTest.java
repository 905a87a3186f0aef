package io.reizi.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusTest {
    @Test
    void writesTheContractsFieldNamesAndLeavesOutWhatDoesNotApply() throws IOException {
        Status s = new Status("dev-1", "downloading", "router", 7L, "7.0.0", 3, 10, 3072L, 0.3, 1_000_000L,
                List.of(new int[] {3, 5}, new int[] {9, 9}), "a", 6L, 2.5, null, null, "good", 1000L, 40, 163_840L,
                1_795_000_000_000L);
        JsonNode json = new ObjectMapper().readTree(s.toJson());
        assertEquals(1_000_000L, json.get("rate_bps").longValue());
        assertEquals(6L, json.get("active_ver").longValue());
        assertEquals(2.5, json.get("swap_ms").doubleValue());
        assertEquals(1000L, json.get("wdt_ms").longValue());
        assertEquals("[[3,5],[9,9]]", json.get("need").toString());
        assertEquals(40, json.get("reused").intValue());
        assertEquals(163_840L, json.get("reused_bytes").longValue());
        assertFalse(json.has("error") || json.has("detail"), json.toString());

        Status back = Status.parse(s.toJson());
        assertArrayEquals(s.toJson(), back.toJson());
        assertEquals(7L, back.ver());
        assertEquals(163_840L, back.reusedBytes());
        assertArrayEquals(new int[] {9, 9}, back.need().get(1));
    }

    @Test
    void theOfflineStatusHasOnlyIdStateAndTs() {
        assertEquals("{\"id\":\"dev-1\",\"state\":\"offline\",\"ts\":5}",
                new String(Status.offline("dev-1", 5).toJson(), StandardCharsets.UTF_8));
    }

    @Test
    void readsWhatOtherPublishersSendSkippingUnknownFields() throws IOException {
        Status s = Status.parse("""
                {"id":"d","state":"failed","ver":4,"error":"hash_mismatch","need":null,"progress":1,
                 "future":{"nested":[1,{"a":2}]},"ts":12}""".getBytes(StandardCharsets.UTF_8));
        assertEquals("failed", s.state());
        assertEquals(4L, s.ver());
        assertEquals("hash_mismatch", s.error());
        assertEquals(1.0, s.progress());
        assertNull(s.need());
        assertEquals(12L, s.ts());
        assertThrows(IOException.class, () -> Status.parse("[1]".getBytes(StandardCharsets.UTF_8)));
    }
}
