package io.reizi.ota.bank;

import io.reizi.ota.wire.Manifest;

/** What a bank holds, as recorded in the state file. */
public record Release(String fw, long ver, String label, String kind, String hash, String entry) {
    public static Release of(Manifest m) {
        return new Release(m.fw(), m.ver(), m.label().orElse(null), m.kind().wire(), m.hash(), m.entry().orElse(null));
    }
}
