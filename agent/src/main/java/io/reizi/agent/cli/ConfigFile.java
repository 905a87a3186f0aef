package io.reizi.agent.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;

/** The agent's config file: {@code key = value} lines whose keys are the long flag names. */
final class ConfigFile {
    static final Set<String> KEYS = Set.of("id", "broker", "ca", "cert", "key", "data-dir", "trust", "group", "hw", "health-cmd",
            "trial-window", "max-trial-restarts", "stop-grace", "bank-backend", "bank-a", "bank-b", "fw-env-config",
            "grub-env", "bank-command", "boot-attempts", "reboot-cmd", "watchdog-device", "watchdog-pretimeout",
            "watchdog-serial", "watchdog-serial-baud", "watchdog-timeout", "watchdog-extended", "recovery-window",
            "heartbeat-timeout", "crash-loop-exits", "crash-loop-window", "stall-interval-degraded", "max-image-size", "allow-downgrade", "session-expiry",
            "receive-max", "keep-alive", "stall-interval", "sync-chunks", "sync-interval", "status-interval",
            "firmware-prefix", "status-prefix");
    private final Properties values;

    private ConfigFile(Properties values) {
        this.values = values;
    }

    static ConfigFile empty() {
        return new ConfigFile(new Properties());
    }

    static ConfigFile read(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        for (String key : p.stringPropertyNames()) {
            if (!KEYS.contains(key)) throw new IOException(file + ": unknown key '" + key + "'; known keys: " + KEYS);
        }
        return new ConfigFile(p);
    }

    /** The flag's value if given, else the file's, else the default. */
    String pick(String key, Object flag, String fallback) {
        if (flag != null) return flag.toString();
        String v = values.getProperty(key);
        return v != null ? v.trim() : fallback;
    }
}
