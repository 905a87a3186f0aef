package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SymlinkBanksTest {
    @TempDir
    Path dir;

    @Test
    void aPointerThatIsNotOneOfTheBanksIsRepairedWithAWarning() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere/banks/b"));
        Path data = Files.createDirectories(dir.resolve("data"));
        List<Path> targets = List.of(Path.of("/etc"), Path.of("banks/../../elsewhere/banks/b"), elsewhere,
                Path.of("banks/c"), Path.of("nowhere"), Path.of("banks"), Path.of("."));
        for (Path target : targets) {
            Files.deleteIfExists(data.resolve("current"));
            Files.createSymbolicLink(data.resolve("current"), target);
            try (Warnings w = new Warnings()) {
                SymlinkBanks banks = new SymlinkBanks(data);
                assertEquals(Bank.A, banks.pointedAt(), target.toString());
                assertEquals(Path.of("banks/a"), Files.readSymbolicLink(data.resolve("current")));
                assertTrue(w.any("current", "repairing", target.toString()), w.messages().toString());
            }
        }
        Files.delete(data.resolve("current"));
        Files.writeString(data.resolve("current"), "a file");
        try (Warnings w = new Warnings()) {
            assertEquals(Bank.A, new SymlinkBanks(data).pointedAt());
            assertTrue(w.any("current", "it is a file"), w.messages().toString());
        }
    }

    @Test
    void theBanksHoweverSpeltAreKeptAndADirectoryIsRefused() throws Exception {
        SymlinkBanks banks = new SymlinkBanks(dir);
        for (Path target : List.of(dir.resolve("banks/b"), Path.of("./banks/b"), Path.of("banks/a/../b"))) {
            Files.delete(dir.resolve("current"));
            Files.createSymbolicLink(dir.resolve("current"), target);
            assertEquals(Bank.B, new SymlinkBanks(dir).pointedAt(), target.toString());
            assertEquals(target, Files.readSymbolicLink(dir.resolve("current")), "left as it was");
        }
        Files.delete(dir.resolve("current"));
        Files.createDirectories(dir.resolve("current/keep"));
        assertTrue(assertThrows(java.io.IOException.class, () -> new SymlinkBanks(dir)).getMessage().contains("is a directory"));
        Files.delete(dir.resolve("current/keep"));
        Files.delete(dir.resolve("current"));
        Files.createSymbolicLink(dir.resolve("current"), Path.of("/etc"));
        assertTrue(assertThrows(java.io.IOException.class, banks::pointedAt).getMessage().contains("not at a bank"),
                "a pointer changed under a running agent is an error, never read as bank 'etc'");
    }

    /** Prints the capacity of bank b of the data dir given as argument; run by the test below in a child. */
    public static final class CapacityProbe {
        public static void main(String[] args) throws Exception {
            System.out.println(new SymlinkBanks(Path.of(args[0])).capacity(Bank.B));
        }
    }

    /**
     * Under systemd's ProcSubset=pid, /proc holds only the processes: no /proc/mounts. A child JVM in its
     * own user, mount and PID namespace, with /proc mounted as systemd does, must still see free space.
     */
    @Test
    void capacityNeedsNoProcMounts() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String script = "mount -t proc -o subset=pid proc /proc && test ! -e /proc/mounts && exec \"$0\" \"$@\"";
        List<String> cmd = new ArrayList<>(List.of("unshare", "--user", "--map-root-user", "--mount", "--pid", "--fork",
                "sh", "-c", script, java.toString(), "-cp", System.getProperty("java.class.path"),
                CapacityProbe.class.getName(), dir.toString()));
        Process probe = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "--pid", "--fork", "true")
                .redirectErrorStream(true).start();
        assumeTrue(probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0,
                "this machine does not allow unprivileged namespaces; the test cannot build a ProcSubset=pid /proc");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(Long.parseLong(out.strip().lines().reduce((a, b) -> b).orElseThrow()) > 0, out);
    }
}
