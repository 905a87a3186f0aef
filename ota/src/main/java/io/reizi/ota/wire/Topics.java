package io.reizi.ota.wire;

import java.util.Locale;
import java.util.Optional;

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

    /** The messages a publisher sends a device or group, each on its own topic level. */
    public enum Firmware {
        /** The signed manifest, retained. */
        MANIFEST,
        /** The signed chunk index of contract 1.1, retained beside the manifest. */
        INDEX,
        CHUNK;

        private final String level = name().toLowerCase(Locale.ROOT); // matched on every chunk: made once

        /** The topic's last level. */
        public String level() {
            return level;
        }
    }

    /** Which firmware message a topic carries, by its last level; empty for any other topic. */
    public static Optional<Firmware> firmwareMessage(String topic) {
        String level = topic.substring(topic.lastIndexOf('/') + 1);
        for (Firmware f : Firmware.values()) if (f.level().equals(level)) return Optional.of(f);
        return Optional.empty();
    }

    /** The topic of {@code message} for a device or group id. */
    public String firmware(String target, Firmware message) {
        return firmwarePrefix + "/" + target + "/" + message.level();
    }

    public String manifest(String target) {
        return firmware(target, Firmware.MANIFEST);
    }

    public String index(String target) {
        return firmware(target, Firmware.INDEX);
    }

    public String chunk(String target) {
        return firmware(target, Firmware.CHUNK);
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
