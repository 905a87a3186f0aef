package io.reizi.agent.cli;

import io.reizi.ota.fs.FileErrors;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;

/**
 * The agent's config file: {@code key = value} lines whose keys are the long flag names. Every value is
 * converted here, so that a bad one is reported with the file, the key and the value ({@link Invalid}).
 */
final class ConfigFile {
    static final Set<String> KEYS = Set.of("id", "broker", "ca", "cert", "key", "data-dir", "trust", "group", "hw", "health-cmd",
            "trial-window", "max-trial-restarts", "stop-grace", "bank-backend", "bank-a", "bank-b", "fw-env-config",
            "grub-env", "bank-command", "boot-attempts", "reboot-cmd", "watchdog-device", "watchdog-pretimeout",
            "watchdog-serial", "watchdog-serial-baud", "watchdog-timeout", "watchdog-extended", "recovery-window",
            "heartbeat-timeout", "crash-loop-exits", "crash-loop-window", "stall-interval-degraded", "max-image-size", "allow-downgrade", "session-expiry",
            "receive-max", "keep-alive", "stall-interval", "sync-chunks", "sync-interval", "status-interval",
            "firmware-prefix", "status-prefix");

    /** A configuration the agent cannot run with; the message says where and why. Exit status 2. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    private final Optional<Path> file;
    private final Properties values;

    private ConfigFile(Optional<Path> file, Properties values) {
        this.file = file;
        this.values = values;
    }

    static ConfigFile empty() {
        return new ConfigFile(Optional.empty(), new Properties());
    }

    static ConfigFile read(Path file) throws Invalid {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new Invalid("configuration file " + file + ": cannot read: " + FileErrors.cause(e));
        } catch (IllegalArgumentException e) { // a malformed \\uXXXX escape
            throw new Invalid("configuration file " + file + ": " + e.getMessage());
        }
        for (String key : p.stringPropertyNames()) {
            if (!KEYS.contains(key)) throw new Invalid("configuration file " + file + ": unknown key '" + key + "'; known keys: "
                    + KEYS.stream().sorted().toList());
        }
        return new ConfigFile(Optional.of(file), p);
    }

    /** The flag's value if given, else the file's, else the default. */
    String pick(String key, Object flag, String fallback) {
        if (flag != null) return flag.toString();
        String v = values.getProperty(key);
        return v != null ? v.trim() : fallback;
    }

    /** {@link #pick}, converted; a value the conversion refuses is {@link Invalid}, naming where it came from. */
    <T> T get(String key, Object flag, String fallback, Function<String, T> convert) throws Invalid {
        String value = pick(key, flag, fallback);
        if (value == null) return null;
        try {
            return convert.apply(value);
        } catch (NumberFormatException e) {
            throw invalid(key, flag, value, "not a whole number in range");
        } catch (IllegalArgumentException e) {
            throw invalid(key, flag, value, e.getMessage());
        }
    }

    /** {@link #get} for a value the agent cannot run without. */
    <T> T required(String key, Object flag, Function<String, T> convert) throws Invalid {
        T value = get(key, flag, null, convert);
        if (value == null || value.toString().isBlank()) {
            throw new Invalid(where() + "'" + key + "' is required (key in the file or --" + key + ")");
        }
        return value;
    }

    /** Builds a settings record; a check of its own (one that spans several values) is said with the file. */
    <T> T build(Build<T> build) throws Invalid {
        try {
            return build.build();
        } catch (IllegalArgumentException e) {
            throw new Invalid(where() + e.getMessage());
        }
    }

    @FunctionalInterface
    interface Build<T> {
        T build() throws Invalid;
    }

    /** Only {@code true} and {@code false}: Boolean.parseBoolean would read a typo as false. */
    static boolean bool(String text) {
        return switch (text.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("is neither true nor false");
        };
    }

    private Invalid invalid(String key, Object flag, String value, String reason) {
        String source = flag != null ? "option --" + key + " '" + value + "'"
                : file.map(f -> "configuration file " + f + ": " + key + " = '" + value + "'").orElse("--" + key + " '" + value + "'");
        return new Invalid(source + ": " + reason);
    }

    private String where() {
        return file.map(f -> "configuration file " + f + ": ").orElse("configuration: ");
    }
}
