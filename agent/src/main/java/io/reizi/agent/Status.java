package io.reizi.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.reizi.ota.transfer.Transfer;
import java.io.IOException;
import java.util.List;

/** The status message (contract "Status"): UTF-8 JSON, fields left out when they do not apply. */
@JsonInclude(JsonInclude.Include.NON_NULL)
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
        @JsonProperty("rate_bps") Long rateBps,
        List<int[]> need,
        String active,
        @JsonProperty("active_ver") Long activeVer,
        @JsonProperty("swap_ms") Double swapMs,
        String error,
        String detail,
        String net,
        @JsonProperty("wdt_ms") Long wdtMs,
        long ts) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public static List<int[]> wire(List<Transfer.Range> ranges) {
        return ranges.stream().map(r -> new int[] {r.first(), r.last()}).toList();
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Status parse(byte[] json) throws IOException {
        return JSON.readValue(json, Status.class);
    }

    public Status withTs(long newTs) {
        return new Status(id, state, fw, ver, label, received, count, bytes, progress, rateBps, need, active,
                activeVer, swapMs, error, detail, net, wdtMs, newTs);
    }

    /** The terminal states a publisher waits for. */
    public boolean isTerminal() {
        return "committed".equals(state) || "failed".equals(state) || "rolled_back".equals(state);
    }
}
