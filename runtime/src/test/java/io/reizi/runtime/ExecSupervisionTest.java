package io.reizi.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecSupervisionTest {
    @TempDir
    Path dir;
    final List<String> log = new CopyOnWriteArrayList<>();

    @Test
    void crashingProcessIsRestartedWithBackoffAndFailsItsTrial() throws Exception {
        Path flaky = TestApps.script(dir, "flaky", "echo up; sleep 0.1; exit 3");
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofSeconds(1), log::add)) {
            rt.start(TestApps.release(dir, AppRelease.AppKind.EXEC, 1, null, flaky), Optional.empty());
            assertFalse(rt.awaitHealthy(Duration.ofMillis(1500)), "a crashing release is not healthy");
            Thread.sleep(1300);
            ExecApp app = (ExecApp) rt.current();
            assertTrue(app.crashes() >= 2, "restarted after each crash: " + log);
            assertTrue(app.crashes() <= 5, "with backoff, not in a tight loop: " + app.crashes());
            assertTrue(log.stream().anyMatch(l -> l.contains("exited with 3; restarting in")), log.toString());
        }
    }

    @Test
    void bundleKeepsPermissionsSaysReadyAndStopsGracefullyOrByForce() throws Exception {
        Path zip = dir.resolve("bundle.zip");
        // Written with the JDK's zip file system so the Unix modes go into the archive.
        try (var fs = java.nio.file.FileSystems.newFileSystem(zip, java.util.Map.of("create", "true", "enablePosixFileAttributes", "true"))) {
            Path bin = Files.createDirectories(fs.getPath("/bin"));
            Files.writeString(bin.resolve("run"), "#!/bin/sh\ntrap 'echo bye; exit 0' TERM\necho READY\nwhile :; do sleep 0.05; done\n");
            Files.setPosixFilePermissions(bin.resolve("run"), PosixFilePermissions.fromString("rwxr-x---"));
            Files.writeString(fs.getPath("/reizi.properties"), "health = ready\n");
            Files.writeString(bin.resolve("stubborn"), "#!/bin/sh\ntrap '' TERM\necho READY\nwhile :; do sleep 0.05; done\n");
            Files.setPosixFilePermissions(bin.resolve("stubborn"), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(500), log::add)) {
            AppRelease v1 = TestApps.release(dir, AppRelease.AppKind.EXEC, 1, "bin/run", zip);
            rt.start(v1, Optional.empty());
            assertTrue(rt.awaitHealthy(Duration.ofSeconds(3)), log.toString());
            assertEquals("rwxr-x---", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(v1.bankDir().resolve("app/bin/run"))));
            ExecApp first = (ExecApp) rt.current();

            AppRelease v2 = TestApps.release(dir, AppRelease.AppKind.EXEC, 2, "bin/stubborn", zip);
            AppRuntime.Swap swap = rt.swapTo(v2);
            assertFalse(first.isAlive());
            eventually(() -> log.stream().anyMatch(l -> l.contains("bye")), "v1 got SIGTERM and exited cleanly");
            assertTrue(swap.interruptionMs() < 3000);
            ExecApp second = (ExecApp) rt.current();
            assertTrue(rt.awaitHealthy(Duration.ofSeconds(3)), "v2 is up, its TERM trap set: " + log);
            long t0 = System.nanoTime();
            rt.rollBackTo(Optional.of(v1));
            assertFalse(second.isAlive());
            assertTrue(log.stream().anyMatch(l -> l.contains("ignored SIGTERM")), log.toString());
            assertTrue((System.nanoTime() - t0) / 1e6 >= 500, "the grace period was given");
        }
    }

    /** Output reaches the log from a reader thread, a moment after the process wrote it. */
    void eventually(java.util.function.BooleanSupplier check, String what) throws InterruptedException {
        for (int i = 0; i < 100 && !check.getAsBoolean(); i++) Thread.sleep(20);
        assertTrue(check.getAsBoolean(), what + ": " + log);
    }

    @Test
    void rollbackRestoresTheStateFolder() throws Exception {
        Path writer = TestApps.script(dir, "writer", "echo \"v$REIZI_VER\" > \"$REIZI_STATE_DIR/who\"; echo READY; while :; do sleep 0.05; done");
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofSeconds(1), log::add)) {
            AppRelease v1 = TestApps.release(dir, AppRelease.AppKind.EXEC, 1, null, writer);
            rt.start(v1, Optional.empty());
            Thread.sleep(300);
            rt.swapTo(TestApps.release(dir, AppRelease.AppKind.EXEC, 2, null, writer));
            Thread.sleep(300);
            assertEquals("v2", Files.readString(dir.resolve("state/who")).strip());
            rt.rollBackTo(Optional.empty());
            assertEquals("v1", Files.readString(dir.resolve("state/who")).strip(), "the state v1 left is back");
        }
    }

}
