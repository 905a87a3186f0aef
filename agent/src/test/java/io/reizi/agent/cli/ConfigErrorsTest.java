package io.reizi.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.reizi.ota.crypto.Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration the agent cannot run with — unreadable or missing file, bad value, unusable trust folder or
 * key — ends the real {@code reizi agent} process with status 2 (systemd's RestartPreventExitStatus) and one
 * line naming the file and the cause. Files are real, with real modes; the agent is a child process.
 * Tests run as root, whom file modes do not stop: "permission denied" is made real by starting the child
 * without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (setpriv), on files owned by another user, mode 0600,
 * which is what a service user meets on a root-only file.
 */
class ConfigErrorsTest {
    @TempDir
    Path dir;

    record Run(int code, String out) {}

    Run agent(boolean withoutDacCapabilities, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (withoutDacCapabilities) cmd.addAll(List.of("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"));
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.reizi.agent.cli.Main", "agent"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        return new Run(p.exitValue(), out);
    }

    Path config(String... lines) throws Exception {
        Path trust = Files.createDirectories(dir.resolve("trust"));
        Files.writeString(trust.resolve("release.pub"), Keys.publicPem(Keys.generate(Keys.Alg.ED25519).publicKey()));
        List<String> all = new ArrayList<>(List.of("id = dev-1", "broker = tcp://127.0.0.1:1", "trust = " + trust,
                "data-dir = " + dir.resolve("data")));
        all.addAll(List.of(lines));
        return Files.write(dir.resolve("agent.conf"), all);
    }

    static void assertConfigError(Run run, String... mustSay) {
        assertEquals(2, run.code(), run.out());
        for (String s : mustSay) assertTrue(run.out().contains(s), "'" + s + "' missing from: " + run.out());
    }

    /** Owned by nobody, 0600: not readable by a process without the DAC override capabilities. */
    static void foreignAndPrivate(Path p, String mode) throws Exception {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        assertEquals(0, new ProcessBuilder("chown", "65534:65534", p.toString()).start().waitFor());
    }

    static void assumeRootWithSetpriv() {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "needs root and setpriv (util-linux) to make EACCES real");
    }

    @Test
    void anUnreadableConfigFileSaysPermissionDenied() throws Exception {
        assumeRootWithSetpriv();
        Path conf = config();
        foreignAndPrivate(conf, "rw-------");
        assertConfigError(agent(true, "--config", conf.toString()), conf.toString(), "Permission denied");
    }

    @Test
    void aMissingConfigFileSaysSo() throws Exception {
        Path conf = dir.resolve("nope.conf");
        assertConfigError(agent(false, "--config", conf.toString()), conf.toString(), "No such file or directory");
    }

    @Test
    void aBadValueNamesTheFileTheKeyAndTheValue() throws Exception {
        String[][] cases = {
                {"watchdog-timeout = soon", "watchdog-timeout = 'soon'", "not a duration"},
                {"receive-max = lots", "receive-max = 'lots'", "not a whole number"},
                {"allow-downgrade = yes", "allow-downgrade = 'yes'", "neither true nor false"},
                {"bank-backend = ubot", "bank-backend = 'ubot'", "symlink, uboot, grub or command"},
                {"colour = blue", "unknown key 'colour'", "known keys"},
                {"receive-max = 0", "receive-max must be 1..65535", "agent.conf"},
        };
        for (String[] c : cases) {
            Path conf = config(c[0]);
            assertConfigError(agent(false, "--config", conf.toString()), conf.toString(), c[1], c[2]);
        }
    }

    @Test
    void aBadFlagNamesTheOption() throws Exception {
        Path conf = config();
        assertConfigError(agent(false, "--config", conf.toString(), "--keep-alive", "forever"), "--keep-alive 'forever'", "not a duration");
    }

    @Test
    void aMissingRequiredKeyIsNamed() throws Exception {
        Path conf = Files.write(dir.resolve("agent.conf"), List.of("broker = tcp://127.0.0.1:1"));
        assertConfigError(agent(false, "--config", conf.toString()), conf.toString(), "'id' is required");
    }

    @Test
    void anUnusableTrustFolderOrKeyIsAConfigurationError() throws Exception {
        Path conf = config();
        Path trust = dir.resolve("trust");
        Path key = trust.resolve("release.pub");

        Files.writeString(key, "not a key\n");
        assertConfigError(agent(false, "--config", conf.toString()), key.toString(), "not a PUBLIC KEY PEM");

        Files.delete(key);
        assertConfigError(agent(false, "--config", conf.toString()), trust.toString(), "no *.pem or *.pub public key");

        Path missing = dir.resolve("no-such-trust");
        assertConfigError(agent(false, "--config", conf.toString(), "--trust", missing.toString()), missing.toString(),
                "No such file or directory");
    }

    @Test
    void anUnreadableTrustFolderOrKeySaysPermissionDenied() throws Exception {
        assumeRootWithSetpriv();
        Path conf = config();
        Path trust = dir.resolve("trust");
        Path key = trust.resolve("release.pub");
        foreignAndPrivate(key, "rw-------");
        assertConfigError(agent(true, "--config", conf.toString()), key.toString(), "Permission denied");

        foreignAndPrivate(trust, "rwx------");
        assertConfigError(agent(true, "--config", conf.toString()), trust.toString(), "Permission denied");
    }
}
