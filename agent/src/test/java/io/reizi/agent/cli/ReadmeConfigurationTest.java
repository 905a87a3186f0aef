package io.reizi.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's "Configuration" table says what {@link AgentOption} says: the same keys, the same defaults; and
 * the flags its {@code reizi agent} example uses exist. The README is written by hand, so this is what keeps it
 * from drifting. The table's format, which this test reads:
 * <pre>
 * | key | default | meaning |
 * |---|---|---|
 * | `trial-window` | `10s` | ... |
 * | `ca`, `cert`, `key` | none | ...                      (several keys: one default for all of them, or
 * | `crash-loop-exits`, `crash-loop-window` | `3`, `10m` | ...       one per key, comma-separated)
 * </pre>
 * A default in backquotes is a value; anything else (—, none, the tools' own) says there is none.
 * The table as the options would write it is left in {@code target/readme-configuration.md}.
 */
class ReadmeConfigurationTest {
    private static final Pattern CODE = Pattern.compile("`([^`]*)`");

    @Test
    void theReadmeTableHasEveryKeyWithTheTablesDefault() throws Exception {
        String readme = Files.readString(readme());
        assertEquals(fromOptions(), defaultsByKey(section(readme, "## Configuration")));
    }

    @Test
    void theReadmesAgentExampleUsesOnlyRealFlags() throws Exception {
        String example = section(Files.readString(readme()), "### `reizi agent`");
        Matcher flag = Pattern.compile("(?<![\\w-])--([a-z][a-z-]*)").matcher(example);
        List<String> flags = new ArrayList<>();
        while (flag.find()) flags.add(flag.group(1));
        assertFalse(flags.isEmpty(), example);
        for (String f : flags) {
            assertTrue(Arrays.stream(AgentOption.values()).anyMatch(o -> o.key.equals(f)), "README: no option --" + f);
        }
    }

    /** The generated table reads back as the options: what the lead pastes into the README passes the test above. */
    @Test
    void theGeneratedTableReadsBackAsTheOptions() throws Exception {
        String table = generated();
        assertEquals(fromOptions(), defaultsByKey(table));
        Path out = Path.of("target", "readme-configuration.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
    }

    /** A drifted table is caught: a default changed, a key dropped, a key the agent does not know. */
    @Test
    void aDriftedTableDoesNotReadAsTheOptions() {
        String table = generated();
        assertFalse(fromOptions().equals(defaultsByKey(table.replace("| `32` |", "| `64` |"))));
        assertFalse(fromOptions().equals(defaultsByKey(table.replaceAll("(?m)^\\| `keep-alive` .*\\n", ""))));
        assertFalse(fromOptions().equals(defaultsByKey(table + "| `colour` | none | paint |\n")));
    }

    /** The options the config file has, each with its default (empty: none), sorted by key. */
    static Map<String, Optional<String>> fromOptions() {
        Map<String, Optional<String>> expected = new TreeMap<>();
        for (AgentOption o : AgentOption.values()) {
            if (o.inConfigFile()) expected.put(o.key, Optional.ofNullable(o.defaultValue));
        }
        return expected;
    }

    /** The README table the options write: one row per key. */
    static String generated() {
        StringBuilder t = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
        for (AgentOption o : AgentOption.values()) {
            if (!o.inConfigFile()) continue;
            t.append("| `").append(o.key).append("` | ").append(o.defaultValue == null ? "—" : "`" + o.defaultValue + "`")
                    .append(" | ").append(o.description.replace("|", "\\|").replace("<", "&lt;")).append(" |\n");
        }
        return t.toString();
    }

    /** The table rows of {@code text} (lines starting with "| `"), as key -> default; a row it cannot read fails. */
    static Map<String, Optional<String>> defaultsByKey(String text) {
        Map<String, Optional<String>> found = new TreeMap<>();
        for (String line : text.lines().filter(l -> l.startsWith("| `")).toList()) {
            String[] cells = line.split("(?<!\\\\)\\|");
            List<String> keys = codes(cells[1]);
            List<String> defaults = keys.size() > 1 && cells[2].contains(",") ? List.of(cells[2].split(",")) : null;
            if (defaults != null && defaults.size() != keys.size()) {
                throw new AssertionError("README row with " + keys.size() + " keys and " + defaults.size() + " defaults: " + line);
            }
            for (int i = 0; i < keys.size(); i++) {
                List<String> value = codes(defaults != null ? defaults.get(i) : cells[2]);
                if (found.put(keys.get(i), value.stream().findFirst()) != null) throw new AssertionError("key twice: " + keys.get(i));
            }
        }
        return found;
    }

    private static List<String> codes(String cell) {
        Matcher m = CODE.matcher(cell);
        List<String> codes = new ArrayList<>();
        while (m.find()) codes.add(m.group(1));
        return codes;
    }

    /** From the heading that starts with {@code heading} to the next heading of the same or a higher level. */
    static String section(String markdown, String heading) {
        int start = markdown.indexOf("\n" + heading);
        assertTrue(start >= 0, "README: no heading " + heading);
        String level = heading.substring(0, heading.indexOf(' ') + 1);
        Matcher next = Pattern.compile("\\n#{1," + (level.length() - 1) + "} ").matcher(markdown);
        int end = next.find(start + 1) ? next.start() : markdown.length();
        return markdown.substring(start, end);
    }

    /** README.md of the checkout: tests run in the agent module's folder. */
    static Path readme() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("README.md")) && Files.isDirectory(d.resolve("agent"))) return d.resolve("README.md");
        }
        throw new AssertionError("no README.md above " + Path.of("").toAbsolutePath());
    }
}
