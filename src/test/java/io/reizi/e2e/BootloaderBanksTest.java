package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publisher;
import io.reizi.ota.bank.Staging;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bootloader backends with the real tools: U-Boot's fw_setenv/fw_printenv on a file-backed
 * environment, grub-editenv on a grubenv file, and a custom script; plain files stand in for partitions.
 * A "reboot" is the agent being killed and started again.
 */
class BootloaderBanksTest {
    static final int PARTITION = 4 * 1024 * 1024;
    @TempDir
    Path dir;

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    static Map<String, String> vars(String listing) {
        Map<String, String> vars = new HashMap<>();
        for (String line : listing.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) vars.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return vars;
    }

    Path partition(String name) throws Exception {
        return Files.write(dir.resolve(name), new byte[PARTITION]);
    }

    /** Installs a release that needs a reboot: trial (reboot requested), "reboot", then the trial runs. */
    static int reboots;

    static Status installAcrossReboot(TestBed bed, AgentProcess agent, String id, Path image, long ver) throws Exception {
        int mark = bed.watcher.mark();
        CompletableFuture<Publisher.Outcome> publishing = bed.publishAsync(bed.release(id, image, ver, 65536, bed.edKey));
        Status trial = bed.watcher.awaitState(mark, id, ver, OtaState.TRIAL, TestBed.LONG);
        assertTrue(trial.detail().contains("reboot"), trial.detail());
        if (agent.log().contains("running touch")) agent.awaitLog("reboot command exited", ++reboots);
        agent.kill9();
        agent.start().awaitReady();
        Publisher.Outcome outcome = publishing.get(60, TimeUnit.SECONDS);
        return outcome.devices().get(id);
    }

    @Test
    void ubootVariablesThroughInstallCommitFailedTrialAndUnconfirmedBoot() throws Exception {
        Path env = dir.resolve("uboot.env");
        Files.write(env, new byte[0x4000]);
        Path config = Files.writeString(dir.resolve("fw_env.config"), env + " 0x0000 0x4000\n");
        Path defaults = Files.writeString(dir.resolve("defaults.env"), "bootdelay=2\n");
        // A board ships with a valid environment; this writes one the way a board image would.
        run("fw_setenv", "-c", config.toString(), "-f", defaults.toString(), "bootdelay", "2");
        String printenv = "fw_printenv";
        try (TestBed bed = new TestBed(dir)) {
            String id = "uboot-dev";
            Path rebooted = dir.resolve("rebooted");
            reboots = 0;
            AgentProcess agent = bed.agent(id, "--bank-backend", "uboot", "--bank-a", partition("pa").toString(),
                    "--bank-b", partition("pb").toString(), "--fw-env-config", config.toString(),
                    "--reboot-cmd", "touch " + rebooted, "--health-cmd", "test \"$REIZI_VER\" != 3",
                    "--trial-window", "5s");
            Map<String, String> fresh = vars(run(printenv, "-c", config.toString()));
            assertEquals("A B", fresh.get("BOOT_ORDER"));

            Path v1 = bed.image("u1.img", 1_000_000, 81);
            Status one = installAcrossReboot(bed, agent, id, v1, 1);
            assertEquals(OtaState.COMMITTED, one.state(), String.valueOf(one.detail()));
            assertTrue(Files.exists(rebooted), "the reboot command ran");
            Map<String, String> committed = vars(run(printenv, "-c", config.toString()));
            assertEquals("B A", committed.get("BOOT_ORDER"));
            assertEquals("3", committed.get("BOOT_B_LEFT"));
            assertEquals(TestBed.sha256(v1), Staging.hashOf(dir.resolve("pb"), Files.size(v1)));

            Path v3 = bed.image("u3.img", 900_000, 83);
            Status three = installAcrossReboot(bed, agent, id, v3, 3);
            assertEquals(OtaState.ROLLED_BACK, three.state());
            Map<String, String> failed = vars(run(printenv, "-c", config.toString()));
            assertEquals("B A", failed.get("BOOT_ORDER"));
            assertEquals("0", failed.get("BOOT_A_LEFT"), "the failed slot is never booted again");
            assertEquals("3", failed.get("BOOT_B_LEFT"));

            // ver 4 is switched to, but the new system never confirms: the boot script used up its boots.
            Path v4 = bed.image("u4.img", 800_000, 84);
            int mark = bed.watcher.mark();
            CompletableFuture<Publisher.Outcome> publishing = bed.publishAsync(bed.release(id, v4, 4, 65536, bed.edKey));
            bed.watcher.awaitState(mark, id, 4, OtaState.TRIAL, TestBed.LONG);
            assertEquals("A B", vars(run(printenv, "-c", config.toString())).get("BOOT_ORDER"));
            agent.kill9();
            run("fw_setenv", "-c", config.toString(), "BOOT_A_LEFT", "0");
            agent.start().awaitReady();
            Status four = publishing.get(60, TimeUnit.SECONDS).devices().get(id);
            assertEquals(OtaState.ROLLED_BACK, four.state());
            assertTrue(four.detail().contains("bootloader fell back"), four.detail());
            assertEquals(1L, four.activeVer());
            assertEquals("B A", vars(run(printenv, "-c", config.toString())).get("BOOT_ORDER"));
        }
    }

    @Test
    void grubVariablesThroughInstallCommitFailedTrialAndUnconfirmedBoot() throws Exception {
        Path grubenv = dir.resolve("grubenv");
        try (TestBed bed = new TestBed(dir)) {
            String id = "grub-dev";
            AgentProcess agent = bed.agent(id, "--bank-backend", "grub", "--bank-a", partition("pa").toString(),
                    "--bank-b", partition("pb").toString(), "--grub-env", grubenv.toString(),
                    "--health-cmd", "test \"$REIZI_VER\" != 2", "--trial-window", "5s");
            assertEquals("A B", vars(run("grub-editenv", grubenv.toString(), "list")).get("ORDER"));

            Status one = installAcrossReboot(bed, agent, id, bed.image("g1.img", 700_000, 91), 1);
            assertEquals(OtaState.COMMITTED, one.state());
            Map<String, String> ok = vars(run("grub-editenv", grubenv.toString(), "list"));
            assertEquals("B A", ok.get("ORDER"));
            assertEquals("1", ok.get("B_OK"));
            assertEquals("0", ok.get("B_TRY"));

            Status two = installAcrossReboot(bed, agent, id, bed.image("g2.img", 600_000, 92), 2);
            assertEquals(OtaState.ROLLED_BACK, two.state());
            Map<String, String> bad = vars(run("grub-editenv", grubenv.toString(), "list"));
            assertEquals("B A", bad.get("ORDER"));
            assertEquals("0", bad.get("A_OK"));

            // ver 3 goes to bank A; GRUB tries it (A_TRY=1), it never confirms, GRUB falls back to B.
            int mark = bed.watcher.mark();
            CompletableFuture<Publisher.Outcome> publishing = bed.publishAsync(
                    bed.release(id, bed.image("g3.img", 500_000, 93), 3, 65536, bed.edKey));
            bed.watcher.awaitState(mark, id, 3, OtaState.TRIAL, TestBed.LONG);
            assertEquals("A B", vars(run("grub-editenv", grubenv.toString(), "list")).get("ORDER"));
            agent.kill9();
            run("grub-editenv", grubenv.toString(), "set", "A_TRY=1");
            agent.start().awaitReady();
            Status three = publishing.get(60, TimeUnit.SECONDS).devices().get(id);
            assertEquals(OtaState.ROLLED_BACK, three.state());
            assertTrue(three.detail().contains("bootloader fell back"), three.detail());
            Map<String, String> after = vars(run("grub-editenv", grubenv.toString(), "list"));
            assertEquals("B A", after.get("ORDER"));
            assertEquals("0", after.get("A_OK"));
        }
    }

    @Test
    void customCommandBackendIsDrivenLikeRauc() throws Exception {
        Path state = Files.createDirectories(dir.resolve("bootctl"));
        Path script = Files.writeString(dir.resolve("bootctl.sh"), """
                #!/bin/sh
                s=%s
                echo "$*" >> "$s/calls"
                case "$1" in
                  get-primary) cat "$s/primary" 2>/dev/null || echo A ;;
                  set-primary) echo "$2" > "$s/primary" ;;
                  get-state) cat "$s/state-$2" 2>/dev/null || echo good ;;
                  set-state) echo "$3" > "$s/state-$2" ;;
                  *) exit 2 ;;
                esac
                """.formatted(state));
        script.toFile().setExecutable(true);
        try (TestBed bed = new TestBed(dir)) {
            String id = "cmd-dev";
            AgentProcess agent = bed.agent(id, "--bank-backend", "command", "--bank-a", partition("pa").toString(),
                    "--bank-b", partition("pb").toString(), "--bank-command", script.toString());
            Status one = installAcrossReboot(bed, agent, id, bed.image("c1.img", 500_000, 95), 1);
            assertEquals(OtaState.COMMITTED, one.state());
            assertEquals("B", Files.readString(state.resolve("primary")).strip());
            List<String> calls = new ArrayList<>(Files.readAllLines(state.resolve("calls")));
            assertTrue(calls.contains("set-primary B") && calls.contains("set-state B good"), calls.toString());
        }
    }
}
