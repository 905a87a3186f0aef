package io.reizi.agent;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.reizi.ota.transfer.Transfer;
import io.reizi.ota.wire.OtaState;
import io.reizi.watchdog.NetworkHealth;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The status message (contract "Status"; {@code reused} and {@code reused_bytes} from version 1.1): UTF-8 JSON, fields left out when they do not apply (null here);
 * unknown fields are skipped when parsing.
 */
public record Status(
        String id,
        String state,
        String fw,
        Long ver,
        String label,
        Integer received,
        Integer count,
        Long bytes,
        Double progress,
        Long rateBps,
        List<int[]> need,
        String active,
        Long activeVer,
        Double swapMs,
        String error,
        String detail,
        String net,
        Long wdtMs,
        Integer reused,
        Long reusedBytes,
        long ts) {

    private static final JsonFactory JSON = new JsonFactory();

    /** The will, and an orderly stop's last word: only {@code id}, {@code state} and {@code ts}. */
    public static Status offline(String id, long ts) {
        return new Status(id, OtaState.OFFLINE.wire(), null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, ts);
    }

    /** Whether this status is in {@code s} (the contract's state names; an unknown name is in none). */
    public boolean is(OtaState s) {
        return s.wire().equals(state);
    }

    public static List<int[]> wire(List<Transfer.Range> ranges) {
        return ranges.stream().map(r -> new int[] {r.first(), r.last()}).toList();
    }

    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            text(g, "id", id);
            text(g, "state", state);
            text(g, "fw", fw);
            number(g, "ver", ver);
            text(g, "label", label);
            number(g, "received", received);
            number(g, "count", count);
            number(g, "bytes", bytes);
            number(g, "progress", progress);
            number(g, "rate_bps", rateBps);
            if (need != null) {
                g.writeArrayFieldStart("need");
                for (int[] range : need) g.writeArray(range, 0, range.length);
                g.writeEndArray();
            }
            text(g, "active", active);
            number(g, "active_ver", activeVer);
            number(g, "swap_ms", swapMs);
            text(g, "error", error);
            text(g, "detail", detail);
            text(g, "net", net);
            number(g, "wdt_ms", wdtMs);
            number(g, "reused", reused);
            number(g, "reused_bytes", reusedBytes);
            g.writeNumberField("ts", ts);
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    private static void text(JsonGenerator g, String field, String value) throws IOException {
        if (value != null) g.writeStringField(field, value);
    }

    private static void number(JsonGenerator g, String field, Number value) throws IOException {
        if (value == null) return;
        g.writeFieldName(field);
        if (value instanceof Double d) g.writeNumber(d);
        else g.writeNumber(value.longValue());
    }

    public static Status parse(byte[] json) throws IOException {
        String id = null, state = null, fw = null, label = null, active = null, error = null, detail = null, net = null;
        Long ver = null, bytes = null, rateBps = null, activeVer = null, wdtMs = null, reusedBytes = null;
        Integer received = null, count = null, reused = null;
        Double progress = null, swapMs = null;
        List<int[]> need = null;
        long ts = 0;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("status is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                boolean isNull = p.nextToken() == JsonToken.VALUE_NULL;
                switch (field) {
                    case "id" -> id = p.getValueAsString();
                    case "state" -> state = p.getValueAsString();
                    case "fw" -> fw = p.getValueAsString();
                    case "ver" -> ver = isNull ? null : p.getValueAsLong();
                    case "label" -> label = p.getValueAsString();
                    case "received" -> received = isNull ? null : p.getValueAsInt();
                    case "count" -> count = isNull ? null : p.getValueAsInt();
                    case "bytes" -> bytes = isNull ? null : p.getValueAsLong();
                    case "progress" -> progress = isNull ? null : p.getValueAsDouble();
                    case "rate_bps" -> rateBps = isNull ? null : p.getValueAsLong();
                    case "need" -> need = isNull ? null : ranges(p);
                    case "active" -> active = p.getValueAsString();
                    case "active_ver" -> activeVer = isNull ? null : p.getValueAsLong();
                    case "swap_ms" -> swapMs = isNull ? null : p.getValueAsDouble();
                    case "error" -> error = p.getValueAsString();
                    case "detail" -> detail = p.getValueAsString();
                    case "net" -> net = p.getValueAsString();
                    case "wdt_ms" -> wdtMs = isNull ? null : p.getValueAsLong();
                    case "reused" -> reused = isNull ? null : p.getValueAsInt();
                    case "reused_bytes" -> reusedBytes = isNull ? null : p.getValueAsLong();
                    case "ts" -> ts = p.getValueAsLong();
                    default -> p.skipChildren();
                }
            }
        }
        return new Status(id, state, fw, ver, label, received, count, bytes, progress, rateBps, need, active, activeVer,
                swapMs, error, detail, net, wdtMs, reused, reusedBytes, ts);
    }

    /** {@code need}: an array of {@code [first, last]} pairs. */
    private static List<int[]> ranges(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) throw new IOException("need must be an array");
        List<int[]> ranges = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_ARRAY) {
            List<Integer> pair = new ArrayList<>(2);
            while (p.nextToken() != JsonToken.END_ARRAY) pair.add(p.getValueAsInt());
            ranges.add(pair.stream().mapToInt(Integer::intValue).toArray());
        }
        return List.copyOf(ranges);
    }

    public Status withTs(long newTs) {
        return new Status(id, state, fw, ver, label, received, count, bytes, progress, rateBps, need, active,
                activeVer, swapMs, error, detail, net, wdtMs, reused, reusedBytes, newTs);
    }

    /**
     * This status as it goes out now: {@code net} and {@code ts} say how the link is at the moment it is sent,
     * not when it was made (a status made offline is sent once connected). The offline status carries no net.
     */
    public Status sentAt(NetworkHealth.Net now, long sentTs) {
        return new Status(id, state, fw, ver, label, received, count, bytes, progress, rateBps, need, active,
                activeVer, swapMs, error, detail, net == null ? null : now.wire(), wdtMs, reused, reusedBytes, sentTs);
    }

    public boolean isOffline() {
        return OtaState.OFFLINE.wire().equals(state);
    }

    /** The terminal states a publisher waits for. */
    public boolean isTerminal() {
        return java.util.Set.of(OtaState.COMMITTED.wire(), OtaState.FAILED.wire(), OtaState.ROLLED_BACK.wire())
                .contains(state);
    }
}
