package io.reizi.agent;

import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.bank.Release;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.OtaState;
import java.util.List;

/** Assembles a {@link Status}: the device part always, the release and progress parts when they apply. */
final class StatusBuilder {
    private final String id;
    private final OtaState state;
    private final DeviceState device;
    private final Updater.Guard guard;
    private String fw;
    private Long ver;
    private String label;
    private Integer received;
    private Integer count;
    private Long bytes;
    private Double progress;
    private Long rateBps;
    private List<int[]> need;
    private Double swapMs;
    private String error;
    private String detail;
    private Integer reused;
    private Long reusedBytes;

    StatusBuilder(String id, OtaState state, DeviceState device, Updater.Guard guard) {
        this.id = id;
        this.state = state;
        this.device = device;
        this.guard = guard;
    }

    StatusBuilder release(Manifest m) {
        fw = m.fw();
        ver = m.ver();
        label = m.label().orElse(null);
        return this;
    }

    StatusBuilder release(Release r) {
        fw = r.fw();
        ver = r.ver();
        label = r.label();
        return this;
    }

    /** A release known by its ver alone when the state file no longer records it. */
    StatusBuilder release(Release r, long ver) {
        if (r != null) return release(r);
        this.ver = ver;
        return this;
    }

    StatusBuilder release(ManifestCodec.Identity i) {
        fw = i.fw().orElse(null);
        ver = i.ver().orElse(null);
        label = i.label().orElse(null);
        return this;
    }

    StatusBuilder progress(int received, int count, long bytes, double progress, long rateBps) {
        this.received = received;
        this.count = count;
        this.bytes = bytes;
        this.progress = progress;
        this.rateBps = rateBps;
        return this;
    }

    /** Chunks (and their bytes) filled from what the device already held, for a download with a chunk index. */
    StatusBuilder reused(int chunks, long bytes) {
        this.reused = chunks;
        this.reusedBytes = bytes;
        return this;
    }

    StatusBuilder need(List<int[]> need) {
        this.need = need;
        return this;
    }

    StatusBuilder swapMs(Double ms) {
        this.swapMs = ms;
        return this;
    }

    StatusBuilder error(ErrorCode code, String detail) {
        this.error = code == null ? null : code.wire();
        this.detail = detail;
        return this;
    }

    StatusBuilder detail(String detail) {
        this.detail = detail;
        return this;
    }

    Status build() {
        return new Status(id, state.wire(), fw, ver, label, received, count, bytes, progress, rateBps, need,
                device.active().wire(), device.activeVer(), swapMs, error, detail, guard.net().wire(), guard.wdtMs(),
                reused, reusedBytes, System.currentTimeMillis());
    }
}
