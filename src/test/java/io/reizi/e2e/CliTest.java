package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands as an operator types them: keygen, publish (exit codes), status from the broker and the disk. */
class CliTest {
    @TempDir
    Path dir;

    record Run(int code, String out) {}

    static Run reizi(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.reizi.agent.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out);
    }

    @Test
    void helpListsEveryCommandWhileACommandIsBuiltAlone() throws Exception {
        Run help = reizi("--help");
        assertEquals(0, help.code(), help.out());
        for (String c : List.of("agent", "publish", "keygen", "status", "certs", "demo")) {
            assertTrue(help.out().contains("\n  " + c + " "), c + " missing from: " + help.out());
        }
        Run agentHelp = reizi("agent", "--help");
        assertEquals(0, agentHelp.code(), agentHelp.out());
        assertTrue(agentHelp.out().contains("Usage: reizi agent ") && agentHelp.out().contains("--receive-max"), agentHelp.out());
        Run unknown = reizi("frobnicate");
        assertEquals(2, unknown.code(), unknown.out());
        assertTrue(unknown.out().contains("Unmatched argument at index 0: 'frobnicate'"), unknown.out());
    }

    @Test
    void operatorWorkflow() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            Run keygen = reizi("keygen", "--out", dir.resolve("keys/ops").toString(), "--alg", "es256");
            assertEquals(0, keygen.code(), keygen.out());
            Files.copy(dir.resolve("keys/ops.pub"), bed.trust.resolve("ops.pub"));
            bed.agent("cli-dev", "--hw", "rpi4");
            Path image = bed.image("fw.img", 150_000, 71);
            String url = bed.broker.url();

            Run ok = reizi("publish", "--broker", url, "--device", "cli-dev", "--image", image.toString(), "--ver", "4",
                    "--kind", "image", "--key", dir.resolve("keys/ops.key").toString(), "--label", "4.0.0",
                    "--hw", "rpi4,rpi5", "--chunk", "8192", "--timeout", "60");
            assertEquals(0, ok.code(), ok.out());
            assertTrue(ok.out().contains("committed"), ok.out());
            // bytes on the wire against the image (a first install: the index and framing make it more than 100 %)
            java.util.regex.Matcher sent = java.util.regex.Pattern.compile("bytes sent: (\\d+) of 150000").matcher(ok.out());
            assertTrue(sent.find() && Long.parseLong(sent.group(1)) > 150_000, ok.out());
            assertTrue(ok.out().matches("(?s).*sent [0-9.]+ MB of 0\\.15 MB \\(10[0-9]\\.[0-9] %\\).*"), ok.out());

            Run refused = reizi("publish", "--broker", url, "--device", "cli-dev", "--image", image.toString(), "--ver", "3",
                    "--kind", "image", "--key", dir.resolve("keys/ops.key").toString(), "--timeout", "60");
            assertEquals(1, refused.code(), refused.out());
            assertTrue(refused.out().contains("rollback_refused"), refused.out());

            Run remote = reizi("status", "--broker", url, "--device", "cli-dev");
            assertEquals(0, remote.code(), remote.out());
            assertTrue(remote.out().contains("rollback_refused") && remote.out().contains("bank b, ver 4"), remote.out());
            Run json = reizi("status", "--broker", url, "--device", "cli-dev", "--json");
            assertTrue(json.out().strip().startsWith("{\"id\":\"cli-dev\""), json.out());

            Run local = reizi("status", "--data-dir", bed.dataDir("cli-dev").toString());
            assertEquals(0, local.code(), local.out());
            assertTrue(local.out().contains("active   bank b") && local.out().contains("ver 4 (image, 4.0.0)"), local.out());

            // --no-index: a version-1 manifest, installed as before
            Run version1 = reizi("publish", "--broker", url, "--device", "cli-dev", "--image", image.toString(), "--ver", "5",
                    "--kind", "image", "--key", dir.resolve("keys/ops.key").toString(), "--hw", "rpi4", "--no-index",
                    "--timeout", "60");
            assertEquals(0, version1.code(), version1.out());

            Run badId = reizi("agent", "--id", "bad/id", "--broker", url, "--data-dir", dir.resolve("x").toString(),
                    "--trust", bed.trust.toString());
            assertEquals(2, badId.code(), badId.out());
            assertTrue(badId.out().contains("device id 'bad/id' is not valid"), badId.out());
        }
    }
}
