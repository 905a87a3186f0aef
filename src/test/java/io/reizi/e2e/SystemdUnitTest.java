package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped unit passes `systemd-analyze verify`, and its exposure score stays at or below 2.5. */
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

    @Test
    void unitVerifiesAndIsHardened() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "needs systemd-analyze");
        // verify also checks that ExecStart exists: point it at this checkout's launcher.
        Path unit = dir.resolve("reizi-agent.service");
        Files.writeString(unit, Files.readString(Repo.root().resolve("systemd/reizi-agent.service"))
                .replace("/opt/reizi/bin/reizi", Repo.root().resolve("bin/reizi").toString()));
        Run verify = run("systemd-analyze", "verify", "--man=no", unit.toString());
        assertEquals(0, verify.code(), verify.out());
        assertEquals("", verify.out().strip(), "no warnings");

        Run security = run("systemd-analyze", "security", "--offline=yes", unit.toString());
        Matcher m = Pattern.compile("Overall exposure level for reizi-agent.service: ([0-9.]+)").matcher(security.out());
        assertTrue(m.find(), security.out());
        double exposure = Double.parseDouble(m.group(1));
        assertTrue(exposure <= 2.5, "exposure " + exposure + " is above 2.5:\n" + security.out());
        String unitText = Files.readString(unit);
        for (String must : new String[] {"Type=notify", "WatchdogSec=", "RestartForceExitStatus=75", "MemoryDenyWriteExecute=no"}) {
            assertTrue(unitText.contains(must), must);
        }
    }
}
