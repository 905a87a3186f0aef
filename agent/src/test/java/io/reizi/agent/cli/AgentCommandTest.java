package io.reizi.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.AcceptanceSettings;
import io.reizi.agent.AgentConfig;
import io.reizi.agent.BankSettings;
import io.reizi.agent.LinkSettings;
import io.reizi.agent.TransferSettings;
import io.reizi.agent.TrialSettings;
import io.reizi.agent.PanicSettings;
import io.reizi.agent.WatchdogSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code reizi agent}'s command line, built from {@link AgentOption}, parsed and merged with a real config file. */
class AgentCommandTest {
    @TempDir
    Path dir;

    static final List<String> REQUIRED = List.of("--id", "dev-1", "--broker", "tcp://127.0.0.1:1", "--data-dir", "/var/lib/reizi",
            "--trust", "/etc/reizi/trust");

    static AgentConfig parse(List<String> args) throws ConfigFile.Invalid {
        AgentCommand command = new AgentCommand();
        new CommandLine(command.spec()).parseArgs(args.toArray(String[]::new));
        return command.config();
    }

    static List<String> plus(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    /** The defaults the agent has always had (README "Configuration"), now read from the table. */
    @Test
    void withOnlyTheRequiredFlagsEveryOtherValueIsItsDefault() throws Exception {
        AgentConfig c = parse(REQUIRED);
        assertEquals("dev-1", c.id());
        assertEquals(Path.of("/var/lib/reizi"), c.dataDir());
        assertEquals(Path.of("/etc/reizi/trust"), c.trustDir());
        assertEquals(List.of(), c.groups());
        assertEquals(new LinkSettings("tcp://127.0.0.1:1", Optional.empty(), Duration.ofDays(1), 32, Duration.ofSeconds(30)),
                c.link());
        assertEquals(new AcceptanceSettings(Optional.empty(), 4294967296L, false), c.acceptance());
        assertEquals(new TransferSettings(64, Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(1)),
                c.transfer());
        assertEquals(new TrialSettings(Optional.empty(), Duration.ofSeconds(10), 1, Duration.ofSeconds(5), Optional.empty()),
                c.trial());
        assertEquals(BankSettings.symlink(), c.banks());
        assertEquals(new WatchdogSettings(Optional.empty(), Optional.empty(), Optional.empty(), 115200, Duration.ofSeconds(1),
                Duration.ofSeconds(5)), c.watchdog());
        assertEquals(new PanicSettings(Duration.ofSeconds(2), Duration.ofMillis(1500), Duration.ofSeconds(30), 3,
                Duration.ofMinutes(10), Duration.ofSeconds(3)), c.panic());
        assertEquals(Optional.empty(), c.injectFault());
        assertEquals("ota/firmware", c.firmwarePrefix());
        assertEquals("/ota/status", c.statusPrefix());
    }

    @Test
    void aFlagWinsOverTheFileAndTheFileOverTheDefault() throws Exception {
        Path conf = Files.write(dir.resolve("agent.conf"), List.of("id = from-file", "broker = tcp://10.0.0.1:1883",
                "data-dir = /data", "trust = /trust", "receive-max = 8", "keep-alive = 10s", "group = g1, g2",
                "allow-downgrade = true", "watchdog-timeout = 2s"));
        AgentConfig c = parse(List.of("--config", conf.toString(), "--id", "from-flag", "--receive-max", "16",
                "--group", "a", "--group", "b"));
        assertEquals("from-flag", c.id());
        assertEquals("tcp://10.0.0.1:1883", c.link().broker());
        assertEquals(16, c.link().receiveMax());
        assertEquals(Duration.ofSeconds(10), c.link().keepAlive());
        assertEquals(List.of("a", "b"), c.groups());
        assertTrue(c.acceptance().allowDowngrade());
        assertEquals(Duration.ofSeconds(2), c.watchdog().normalTimeout());
        assertEquals(Duration.ofSeconds(10), c.trial().window()); // given nowhere: the default

        assertEquals(List.of("g1", "g2"), parse(List.of("--config", conf.toString())).groups());
    }

    @Test
    void eachFlagGivesItsValue() throws Exception {
        AgentConfig c = parse(plus(REQUIRED, "--allow-downgrade", "--max-image-size", "1024", "--trial-window", "90s",
                "--bank-backend", "grub", "--bank-a", "/dev/sda2", "--bank-b", "/dev/sda3", "--grub-env", "/boot/grub/grubenv",
                "--watchdog-serial", "/dev/ttyS1", "--watchdog-serial-baud", "9600", "--inject-fault", "throw@3",
                "--firmware-prefix", "fleet/fw/", "--hw", "rpi4"));
        assertTrue(c.acceptance().allowDowngrade());
        assertEquals(1024, c.acceptance().maxImageSize());
        assertEquals(Duration.ofSeconds(90), c.trial().window());
        assertEquals(BankSettings.Backend.GRUB, c.banks().backend());
        assertEquals(Optional.of(Path.of("/boot/grub/grubenv")), c.banks().grubEnv());
        assertEquals(Optional.of("/dev/ttyS1"), c.watchdog().serialPort());
        assertEquals(9600, c.watchdog().serialBaud());
        assertEquals(Optional.of("throw@3"), c.injectFault());
        assertEquals("fleet/fw", c.firmwarePrefix());
        assertEquals(Optional.of("rpi4"), c.acceptance().hw());
    }

    /** The test hook is a flag only: the file does not know it, and the help does not show it. */
    @Test
    void theFileKnowsEveryOptionButTheFlagOnlyOnes() {
        Set<String> fileKeys = Arrays.stream(AgentOption.values()).filter(o -> o.where == AgentOption.Where.FLAG_AND_FILE)
                .map(o -> o.key).collect(Collectors.toSet());
        assertEquals(fileKeys, ConfigFile.KEYS);
        assertFalse(ConfigFile.KEYS.contains("config") || ConfigFile.KEYS.contains("inject-fault"), ConfigFile.KEYS.toString());
        assertFalse(help().contains("--inject-fault"), help());
    }

    @Test
    void theHelpShowsEveryFlagAndEachDefaultFromTheTable() {
        String help = help().replaceAll("\\s+", " ");
        for (AgentOption o : AgentOption.values()) {
            assertNotNull(new AgentCommand().spec().findOption(o.flag()), o.flag());
            if (o.where == AgentOption.Where.HIDDEN_FLAG) continue;
            assertTrue(help.contains(o.flag() + "=") || help.contains(o.flag() + " "), o.flag() + " missing from: " + help);
            if (o.defaultValue != null) {
                assertTrue(help.contains("Default: " + o.defaultValue + "."), o.flag() + ": no 'Default: " + o.defaultValue + "' in " + help);
            }
        }
        assertFalse(help.contains("Default: null"), help);
    }

    private static String help() {
        StringWriter out = new StringWriter();
        new CommandLine(new AgentCommand().spec()).usage(new PrintWriter(out));
        return out.toString();
    }
}
