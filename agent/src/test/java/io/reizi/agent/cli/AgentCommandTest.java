package io.reizi.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.AgentConfig;
import io.reizi.agent.BankSettings;
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
        assertEquals("tcp://127.0.0.1:1", c.broker());
        assertEquals(Path.of("/var/lib/reizi"), c.dataDir());
        assertEquals(Path.of("/etc/reizi/trust"), c.trustDir());
        assertEquals(Optional.empty(), c.tls());
        assertEquals(List.of(), c.groups());
        assertEquals(Optional.empty(), c.hw());
        assertEquals(Optional.empty(), c.healthCmd());
        assertEquals(Duration.ofSeconds(10), c.trialWindow());
        assertEquals(1, c.maxTrialRestarts());
        assertEquals(Duration.ofSeconds(5), c.stopGrace());
        assertEquals(BankSettings.symlink(), c.banks());
        assertEquals(Optional.empty(), c.rebootCmd());
        assertEquals(4294967296L, c.maxImageSize());
        assertFalse(c.allowDowngrade());
        assertEquals(Duration.ofDays(1), c.sessionExpiry());
        assertEquals(32, c.receiveMax());
        assertEquals(Duration.ofSeconds(30), c.keepAlive());
        assertEquals(Duration.ofSeconds(2), c.stallInterval());
        assertEquals(64, c.syncChunks());
        assertEquals(Duration.ofMillis(500), c.syncInterval());
        assertEquals(Duration.ofSeconds(1), c.statusInterval());
        assertEquals(new WatchdogSettings(Optional.empty(), Optional.empty(), Optional.empty(), 115200, Duration.ofSeconds(1),
                Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofMillis(1500), 3, Duration.ofMinutes(10),
                Duration.ofSeconds(3), Optional.empty()), c.watchdog());
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
        assertEquals("tcp://10.0.0.1:1883", c.broker());
        assertEquals(16, c.receiveMax());
        assertEquals(Duration.ofSeconds(10), c.keepAlive());
        assertEquals(List.of("a", "b"), c.groups());
        assertTrue(c.allowDowngrade());
        assertEquals(Duration.ofSeconds(2), c.watchdog().normalTimeout());
        assertEquals(Duration.ofSeconds(10), c.trialWindow()); // given nowhere: the default

        assertEquals(List.of("g1", "g2"), parse(List.of("--config", conf.toString())).groups());
    }

    @Test
    void eachFlagGivesItsValue() throws Exception {
        AgentConfig c = parse(plus(REQUIRED, "--allow-downgrade", "--max-image-size", "1024", "--trial-window", "90s",
                "--bank-backend", "grub", "--bank-a", "/dev/sda2", "--bank-b", "/dev/sda3", "--grub-env", "/boot/grub/grubenv",
                "--watchdog-serial", "/dev/ttyS1", "--watchdog-serial-baud", "9600", "--inject-fault", "throw@3",
                "--firmware-prefix", "fleet/fw/", "--hw", "rpi4"));
        assertTrue(c.allowDowngrade());
        assertEquals(1024, c.maxImageSize());
        assertEquals(Duration.ofSeconds(90), c.trialWindow());
        assertEquals(BankSettings.Backend.GRUB, c.banks().backend());
        assertEquals(Optional.of(Path.of("/boot/grub/grubenv")), c.banks().grubEnv());
        assertEquals(Optional.of("/dev/ttyS1"), c.watchdog().serialPort());
        assertEquals(9600, c.watchdog().serialBaud());
        assertEquals(Optional.of("throw@3"), c.watchdog().injectFault());
        assertEquals("fleet/fw", c.firmwarePrefix());
        assertEquals(Optional.of("rpi4"), c.hw());
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
