package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each shipped unit passes `systemd-analyze verify`, its exposure score stays at or below 2.5 and is the one
 * docs/deployment.md states. Running them under a real systemd is test-tools/systemd-box/check-units (bin/test).
 */
class SystemdUnitTest {
    @TempDir
    Path dir;

    record Run(int code, String out) {}

    static Run run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"reizi-agent.service", "reizi-agent-hardened.service"})
    void unitVerifiesIsHardenedAndItsScoreIsDocumented(String name) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "needs systemd-analyze");
        // verify also checks that ExecStart exists: point it at this checkout's launcher.
        Path unit = dir.resolve(name);
        Files.writeString(unit, Files.readString(Repo.root().resolve("systemd").resolve(name))
                .replace("/opt/reizi/bin/reizi", Repo.root().resolve("bin/reizi").toString()));
        Run verify = run("systemd-analyze", "verify", "--man=no", unit.toString());
        assertEquals(0, verify.code(), verify.out());
        assertEquals("", verify.out().strip(), "no warnings");

        Run security = run("systemd-analyze", "security", "--offline=yes", unit.toString());
        Matcher m = Pattern.compile("Overall exposure level for " + Pattern.quote(name) + ": ([0-9.]+)").matcher(security.out());
        assertTrue(m.find(), security.out());
        double exposure = Double.parseDouble(m.group(1));
        assertTrue(exposure <= 2.5, "exposure " + exposure + " is above 2.5:\n" + security.out());
        String documented = "| `" + name + "` | **" + m.group(1) + "**";
        assertTrue(Files.readString(Repo.root().resolve("docs/deployment.md")).contains(documented),
                "docs/deployment.md does not state the measured exposure: " + documented);

        String unitText = Files.readString(unit);
        for (String must : new String[] {"Type=notify", "WatchdogSec=", "RestartForceExitStatus=75", "SuccessExitStatus=143",
                "RestartPreventExitStatus=2", "MemoryDenyWriteExecute=no", "MemoryMax=", "CapabilityBoundingSet=\n"}) {
            assertTrue(unitText.contains(must), must);
        }
    }
}
