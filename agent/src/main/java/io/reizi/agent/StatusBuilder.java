package io.reizi.agent;

import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.bank.Release;
import io.reizi.ota.transfer.Transfer;
import io.reizi.ota.wire.ChunkRange;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.util.List;

/**
 * Assembles a {@link Status} from what the agent knows: the device part (active bank and ver, net, watchdog)
 * always, read when the status is built; the release and progress parts when they apply.
 */
final class StatusBuilder {
    private final Status.Builder status;
    private final DeviceState device;
    private final Updater.Guard guard;

    StatusBuilder(String id, OtaState state, DeviceState device, Updater.Guard guard) {
        this.status = Status.builder(id, state);
        this.device = device;
        this.guard = guard;
    }

    StatusBuilder release(Manifest m) {
        status.fw(m.fw()).ver(m.ver()).label(m.label().orElse(null));
        return this;
    }

    StatusBuilder release(Release r) {
        status.fw(r.fw()).ver(r.ver()).label(r.label());
        return this;
    }

    /** A release known by its ver alone when the state file no longer records it. */
    StatusBuilder release(Release r, long ver) {
        if (r != null) return release(r);
        status.ver(ver);
        return this;
    }

    StatusBuilder release(ManifestCodec.Identity i) {
        status.fw(i.fw().orElse(null)).ver(i.ver().orElse(null)).label(i.label().orElse(null));
        return this;
    }

    StatusBuilder progress(int received, int count, long bytes, double progress, long rateBps) {
        status.received(received).count(count).bytes(bytes).progress(progress).rateBps(rateBps);
        return this;
    }

    /** Chunks (and their bytes) filled from what the device already held, for a download with a chunk index. */
    StatusBuilder reused(int chunks, long bytes) {
        status.reused(chunks).reusedBytes(bytes);
        return this;
    }

    /** The chunks still missing as the status names them (the transfer core's ranges, at most 32 of them). */
    StatusBuilder need(List<Transfer.Range> need) {
        status.need(need.stream().map(r -> new ChunkRange(r.first(), r.last())).toList());
        return this;
    }

    StatusBuilder swapMs(Double ms) {
        status.swapMs(ms);
        return this;
    }

    StatusBuilder error(ErrorCode code, String detail) {
        status.error(code).detail(detail);
        return this;
    }

    StatusBuilder detail(String detail) {
        status.detail(detail);
        return this;
    }

    Status build() {
        return status.active(device.active()).activeVer(device.activeVer()).net(ContractNet.of(guard.net()))
                .wdtMs(guard.wdtMs()).ts(System.currentTimeMillis()).build();
    }
}
