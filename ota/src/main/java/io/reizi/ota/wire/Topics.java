package io.reizi.ota.wire;

/**
 * The contract's topic names under the configured prefixes (a trailing slash on a prefix is dropped):
 * {@code ota/firmware/{id}/manifest|index|chunk} for the publisher's messages to a device or group, and
 * {@code /ota/status/{id}} (leading slash included) for a device's status.
 */
public record Topics(String firmwarePrefix, String statusPrefix) {
    public static final String DEFAULT_FIRMWARE_PREFIX = "ota/firmware";
    public static final String DEFAULT_STATUS_PREFIX = "/ota/status";

    public Topics {
        firmwarePrefix = stripSlash(firmwarePrefix);
        statusPrefix = stripSlash(statusPrefix);
    }

    /** The contract's defaults. */
    public static Topics defaults() {
        return new Topics(DEFAULT_FIRMWARE_PREFIX, DEFAULT_STATUS_PREFIX);
    }

    /** The signed manifest for a device or group id, retained. */
    public String manifest(String target) {
        return firmwarePrefix + "/" + target + "/manifest";
    }

    /** The signed chunk index of contract 1.1, retained beside the manifest. */
    public String index(String target) {
        return firmwarePrefix + "/" + target + "/index";
    }

    public String chunk(String target) {
        return firmwarePrefix + "/" + target + "/chunk";
    }

    /** A device's status; always a device id, never a group's. */
    public String status(String device) {
        return statusPrefix + "/" + device;
    }

    /** Every device's status, one level deep: what a publisher to a group listens on. */
    public String anyStatus() {
        return statusPrefix + "/+";
    }

    /** The fleet: what an operator subscribes to. */
    public String allStatuses() {
        return statusPrefix + "/#";
    }

    /** Every firmware topic of one kind, for any target ({@code ota/firmware/+/chunk}). */
    public String anyChunk() {
        return chunk("+");
    }

    private static String stripSlash(String p) {
        return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
