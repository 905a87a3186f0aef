package io.reizi.agent.cli;

import io.reizi.ota.fs.FileErrors;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The agent's config file: {@code key = value} lines whose keys are the long flag names, with the flags given on
 * the command line, which win over it. Every value is converted here, so that a bad one is reported with the
 * file, the key and the value ({@link Invalid}); a value given nowhere is the option's default ({@link AgentOption}).
 */
final class ConfigFile {
    /** The keys a file may hold: the long flag names of the options the table marks so. */
    static final Set<String> KEYS = Arrays.stream(AgentOption.values()).filter(AgentOption::inConfigFile)
            .map(o -> o.key).collect(Collectors.toUnmodifiableSet());

    /** A configuration the agent cannot run with; the message says where and why. Exit status 2. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    private final Optional<Path> file;
    private final Properties values;
    private final Map<AgentOption, ?> flags;

    private ConfigFile(Optional<Path> file, Properties values, Map<AgentOption, ?> flags) {
        this.file = file;
        this.values = values;
        this.flags = Map.copyOf(flags);
    }

    /** No file: the flags, else the defaults. */
    static ConfigFile none(Map<AgentOption, ?> flags) {
        return new ConfigFile(Optional.empty(), new Properties(), flags);
    }

    static ConfigFile read(Path file, Map<AgentOption, ?> flags) throws Invalid {
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
        return new ConfigFile(Optional.of(file), p, flags);
    }

    /** The flag's value if given (a repeated flag's values joined by commas), else the file's, else the default. */
    String pick(AgentOption option) {
        Object flag = flags.get(option);
        if (flag instanceof List<?> repeated) return repeated.stream().map(Object::toString).collect(Collectors.joining(","));
        if (flag != null) return flag.toString();
        String v = option.inConfigFile() ? values.getProperty(option.key) : null;
        return v != null ? v.trim() : option.defaultValue;
    }

    /** {@link #pick}, converted; a value the conversion refuses is {@link Invalid}, naming where it came from. */
    <T> T get(AgentOption option, Function<String, T> convert) throws Invalid {
        String value = pick(option);
        if (value == null) return null;
        try {
            return convert.apply(value);
        } catch (NumberFormatException e) {
            throw invalid(option, value, "not a whole number in range");
        } catch (IllegalArgumentException e) {
            throw invalid(option, value, e.getMessage());
        }
    }

    /** {@link #get} for an option that may be absent. */
    <T> Optional<T> optional(AgentOption option, Function<String, T> convert) throws Invalid {
        return Optional.ofNullable(get(option, convert));
    }

    /** {@link #get} for a value the agent cannot run without. */
    <T> T required(AgentOption option, Function<String, T> convert) throws Invalid {
        T value = get(option, convert);
        if (value == null || value.toString().isBlank()) {
            throw new Invalid(where() + "'" + option.key + "' is required (key in the file or " + option.flag() + ")");
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

    private Invalid invalid(AgentOption option, String value, String reason) {
        String key = option.key;
        String source = flags.containsKey(option) ? "option --" + key + " '" + value + "'"
                : file.map(f -> "configuration file " + f + ": " + key + " = '" + value + "'").orElse("--" + key + " '" + value + "'");
        return new Invalid(source + ": " + reason);
    }

    private String where() {
        return file.map(f -> "configuration file " + f + ": ").orElse("configuration: ");
    }
}
