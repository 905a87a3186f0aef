package io.reizi.agent;

import java.util.Optional;

/** What a manifest must satisfy beyond its signature: the device's hardware, a size cap, no downgrade. */
public record AcceptanceSettings(Optional<String> hw, long maxImageSize, boolean allowDowngrade) {}
