package io.reizi.ota.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The status message of the contract ({@code reused} and {@code reused_bytes} from version 1.1; {@code swap_ms} is
 * ours): UTF-8 JSON, written in a fixed field order, fields that do not apply left out (an accessor returns null
 * for them). Built with {@link #builder}, read with {@link #parse}.
 *
 * <p>Reading is tolerant where the contract allows it and strict where it does not: unknown fields are skipped
 * ("others may be added"), but {@code state}, {@code error}, {@code net} and {@code active} are closed lists in
 * the contract, so a value outside them is a parse error naming the field, the value and the allowed values
 * (never a crash, never a guess). So is a missing {@code id}, {@code state} or {@code ts}, or a known field of the
 * wrong JSON type. JSON goes through Jackson's streaming API (databind is not on the agent's runtime classpath).
 */
public final class Status {
    private static final JsonFactory JSON = new JsonFactory();

    private final String id;
    private final OtaState state;
    private final String fw;
    private final Long ver;
    private final String label;
    private final Integer received;
    private final Integer count;
    private final Long bytes;
    private final Double progress;
    private final Long rateBps;
    private final List<ChunkRange> need;
    private final Bank active;
    private final Long activeVer;
    private final Double swapMs;
    private final ErrorCode error;
    private final String detail;
    private final NetHealth net;
    private final Long wdtMs;
    private final Integer reused;
    private final Long reusedBytes;
    private final long ts;

    private Status(Builder b) {
        id = Objects.requireNonNull(b.id, "a status needs its device id");
        state = Objects.requireNonNull(b.state, "a status needs its state");
        fw = b.fw;
        ver = b.ver;
        label = b.label;
        received = b.received;
        count = b.count;
        bytes = b.bytes;
        progress = b.progress;
        rateBps = b.rateBps;
        need = b.need == null ? null : List.copyOf(b.need);
        active = b.active;
        activeVer = b.activeVer;
        swapMs = b.swapMs;
        error = b.error;
        detail = b.detail;
        net = b.net;
        wdtMs = b.wdtMs;
        reused = b.reused;
        reusedBytes = b.reusedBytes;
        ts = b.ts;
    }

    public static Builder builder(String id, OtaState state) {
        return new Builder(id, state);
    }

    /** The will, and an orderly stop's last word: only {@code id}, {@code state} and {@code ts}. */
    public static Status offline(String id, long ts) {
        return builder(id, OtaState.OFFLINE).ts(ts).build();
    }

    /** A builder holding every field of this status, to derive a changed copy. */
    public Builder toBuilder() {
        return new Builder(id, state).fw(fw).ver(ver).label(label).received(received).count(count).bytes(bytes)
                .progress(progress).rateBps(rateBps).need(need).active(active).activeVer(activeVer).swapMs(swapMs)
                .error(error).detail(detail).net(net).wdtMs(wdtMs).reused(reused).reusedBytes(reusedBytes).ts(ts);
    }

    public Status withTs(long newTs) {
        return toBuilder().ts(newTs).build();
    }

    /**
     * This status as it goes out now: {@code net} and {@code ts} say how the link is at the moment it is sent,
     * not when it was made (a status made offline is sent once connected). The offline status carries no net.
     */
    public Status sentAt(NetHealth now, long sentTs) {
        return toBuilder().net(net == null ? null : now).ts(sentTs).build();
    }

    public boolean is(OtaState s) {
        return state == s;
    }

    public boolean isOffline() {
        return state == OtaState.OFFLINE;
    }

    /** The terminal states a publisher waits for. */
    public boolean isTerminal() {
        return state == OtaState.COMMITTED || state == OtaState.FAILED || state == OtaState.ROLLED_BACK;
    }

    public String id() {
        return id;
    }

    public OtaState state() {
        return state;
    }

    public String fw() {
        return fw;
    }

    public Long ver() {
        return ver;
    }

    public String label() {
        return label;
    }

    public Integer received() {
        return received;
    }

    public Integer count() {
        return count;
    }

    public Long bytes() {
        return bytes;
    }

    public Double progress() {
        return progress;
    }

    public Long rateBps() {
        return rateBps;
    }

    public List<ChunkRange> need() {
        return need;
    }

    public Bank active() {
        return active;
    }

    public Long activeVer() {
        return activeVer;
    }

    public Double swapMs() {
        return swapMs;
    }

    public ErrorCode error() {
        return error;
    }

    public String detail() {
        return detail;
    }

    public NetHealth net() {
        return net;
    }

    public Long wdtMs() {
        return wdtMs;
    }

    public Integer reused() {
        return reused;
    }

    public Long reusedBytes() {
        return reusedBytes;
    }

    public long ts() {
        return ts;
    }

    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            text(g, "id", id);
            text(g, "state", state.wire());
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
                for (ChunkRange r : need) {
                    g.writeStartArray();
                    g.writeNumber(r.first());
                    g.writeNumber(r.last());
                    g.writeEndArray();
                }
                g.writeEndArray();
            }
            text(g, "active", active == null ? null : active.wire());
            number(g, "active_ver", activeVer);
            number(g, "swap_ms", swapMs);
            text(g, "error", error == null ? null : error.wire());
            text(g, "detail", detail);
            text(g, "net", net == null ? null : net.wire());
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

    /** Reads a status; see the class comment for what is skipped and what is refused (with an IOException). */
    public static Status parse(byte[] json) throws IOException {
        Builder b = new Builder(null, null);
        boolean hasTs = false;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("status is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                if (p.nextToken() == JsonToken.VALUE_NULL) continue; // null is absent
                switch (field) {
                    case "id" -> b.id = text(p, field);
                    case "state" -> b.state = contractValue(p, field, OtaState.values(), OtaState::wire);
                    case "fw" -> b.fw = text(p, field);
                    case "ver" -> b.ver = whole(p, field);
                    case "label" -> b.label = text(p, field);
                    case "received" -> b.received = count(p, field);
                    case "count" -> b.count = count(p, field);
                    case "bytes" -> b.bytes = whole(p, field);
                    case "progress" -> b.progress = fraction(p, field);
                    case "rate_bps" -> b.rateBps = whole(p, field);
                    case "need" -> b.need = ranges(p);
                    case "active" -> b.active = contractValue(p, field, Bank.values(), Bank::wire);
                    case "active_ver" -> b.activeVer = whole(p, field);
                    case "swap_ms" -> b.swapMs = fraction(p, field);
                    case "error" -> b.error = contractValue(p, field, ErrorCode.values(), ErrorCode::wire);
                    case "detail" -> b.detail = text(p, field);
                    case "net" -> b.net = contractValue(p, field, NetHealth.values(), NetHealth::wire);
                    case "wdt_ms" -> b.wdtMs = whole(p, field);
                    case "reused" -> b.reused = count(p, field);
                    case "reused_bytes" -> b.reusedBytes = whole(p, field);
                    case "ts" -> {
                        b.ts = whole(p, field);
                        hasTs = true;
                    }
                    default -> p.skipChildren(); // a field of a later contract version
                }
            }
        }
        if (b.id == null) throw new IOException("status has no 'id'");
        if (b.state == null) throw new IOException("status of '" + b.id + "' has no 'state'");
        if (!hasTs) throw new IOException("status of '" + b.id + "' has no 'ts'");
        return b.build();
    }

    private static String text(JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) throw wrongType(field, "a string", p);
        return p.getText();
    }

    private static long whole(JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) throw wrongType(field, "a whole number", p);
        return p.getLongValue();
    }

    private static int count(JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) throw wrongType(field, "a whole number", p);
        return p.getIntValue();
    }

    private static double fraction(JsonParser p, String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) throw wrongType(field, "a number", p);
        return p.getDoubleValue();
    }

    /** One of the contract's closed list of values for {@code field}, by its wire spelling. */
    private static <E extends Enum<E>> E contractValue(JsonParser p, String field, E[] values, Function<E, String> wire)
            throws IOException {
        String s = text(p, field);
        for (E e : values) if (wire.apply(e).equals(s)) return e;
        throw new IOException("status field '" + field + "' is '" + s + "', not one of the contract's "
                + Arrays.stream(values).map(wire).toList());
    }

    /** {@code need}: an array of {@code [first, last]} pairs. */
    private static List<ChunkRange> ranges(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) throw wrongType("need", "an array of [first, last]", p);
        List<ChunkRange> ranges = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.START_ARRAY) throw wrongType("need", "an array of [first, last]", p);
            int first = nextBound(p);
            int last = nextBound(p);
            if (p.nextToken() != JsonToken.END_ARRAY) throw new IOException("status field 'need' has a range that is not [first, last]");
            try {
                ranges.add(new ChunkRange(first, last));
            } catch (IllegalArgumentException e) {
                throw new IOException("status field 'need': " + e.getMessage());
            }
        }
        return ranges;
    }

    private static int nextBound(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
            throw new IOException("status field 'need' has a range that is not [first, last] of whole numbers");
        }
        return p.getIntValue();
    }

    private static IOException wrongType(String field, String expected, JsonParser p) {
        return new IOException("status field '" + field + "' must be " + expected + ", not " + p.currentToken());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Status s && Arrays.equals(toJson(), s.toJson());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(toJson());
    }

    /** The JSON as it goes on the wire: what a log line or a failed assertion should show. */
    @Override
    public String toString() {
        return new String(toJson(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Every field but {@code id} and {@code state} is optional; {@code ts} is 0 until set. */
    public static final class Builder {
        private String id;
        private OtaState state;
        private String fw;
        private Long ver;
        private String label;
        private Integer received;
        private Integer count;
        private Long bytes;
        private Double progress;
        private Long rateBps;
        private List<ChunkRange> need;
        private Bank active;
        private Long activeVer;
        private Double swapMs;
        private ErrorCode error;
        private String detail;
        private NetHealth net;
        private Long wdtMs;
        private Integer reused;
        private Long reusedBytes;
        private long ts;

        private Builder(String id, OtaState state) {
            this.id = id;
            this.state = state;
        }

        public Builder fw(String fw) {
            this.fw = fw;
            return this;
        }

        public Builder ver(Long ver) {
            this.ver = ver;
            return this;
        }

        public Builder label(String label) {
            this.label = label;
            return this;
        }

        public Builder received(Integer received) {
            this.received = received;
            return this;
        }

        public Builder count(Integer count) {
            this.count = count;
            return this;
        }

        public Builder bytes(Long bytes) {
            this.bytes = bytes;
            return this;
        }

        public Builder progress(Double progress) {
            this.progress = progress;
            return this;
        }

        public Builder rateBps(Long rateBps) {
            this.rateBps = rateBps;
            return this;
        }

        public Builder need(List<ChunkRange> need) {
            this.need = need;
            return this;
        }

        public Builder active(Bank active) {
            this.active = active;
            return this;
        }

        public Builder activeVer(Long activeVer) {
            this.activeVer = activeVer;
            return this;
        }

        public Builder swapMs(Double swapMs) {
            this.swapMs = swapMs;
            return this;
        }

        public Builder error(ErrorCode error) {
            this.error = error;
            return this;
        }

        public Builder detail(String detail) {
            this.detail = detail;
            return this;
        }

        public Builder net(NetHealth net) {
            this.net = net;
            return this;
        }

        public Builder wdtMs(Long wdtMs) {
            this.wdtMs = wdtMs;
            return this;
        }

        public Builder reused(Integer reused) {
            this.reused = reused;
            return this;
        }

        public Builder reusedBytes(Long reusedBytes) {
            this.reusedBytes = reusedBytes;
            return this;
        }

        public Builder ts(long ts) {
            this.ts = ts;
            return this;
        }

        public Status build() {
            return new Status(this);
        }
    }
}
