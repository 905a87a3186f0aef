package io.reizi.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JarHotSwapTest {
    @TempDir
    Path dir;
    final List<String> log = new CopyOnWriteArrayList<>();

    AppRelease jar(long ver, String mode) throws Exception {
        return TestApps.release(dir, AppRelease.AppKind.JAR, ver, "demo.App",
                TestApps.jar(dir, "v" + ver, TestApps.counter(mode)));
    }

    static long counterOf(AppRuntime rt) {
        return Long.parseLong(new String(rt.current().snapshot(), StandardCharsets.UTF_8));
    }

    @Test
    void hotSwapHandsStateOverAndTheOldLoaderIsCollectable() throws Exception {
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofSeconds(2), log::add)) {
            rt.start(jar(1, "ok"), Optional.empty());
            Thread.sleep(200);
            WeakReference<ClassLoader> oldLoader = new WeakReference<>(((JarApp) rt.current()).loader());
            long before = counterOf(rt);
            assertTrue(before > 0);

            AppRuntime.Swap swap = rt.swapTo(jar(2, "ok"));
            assertTrue(swap.interruptionMs() >= 0 && swap.interruptionMs() < 1000, "swap took " + swap.interruptionMs());
            assertTrue(rt.awaitHealthy(Duration.ofSeconds(2)));
            assertTrue(counterOf(rt) >= before, "the counter went on from where v1 left it");
            assertEquals(2, rt.running().orElseThrow().ver());
            rt.commit();

            // The app cannot see the agent's classes, and v1's loader is gone once nothing refers to it.
            ClassLoader v2 = ((JarApp) rt.current()).loader();
            assertThrows(ClassNotFoundException.class, () -> v2.loadClass(AppRuntime.class.getName()));
            for (int i = 0; i < 50 && oldLoader.get() != null; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertNull(oldLoader.get(), "v1's class loader is still reachable");
        }
    }

    @Test
    void brokenJarsFailAndTheOldReleaseComesBackWithItsState() throws Exception {
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofSeconds(2), log::add)) {
            AppRelease v1 = jar(1, "ok");
            rt.start(v1, Optional.empty());
            Thread.sleep(100);

            assertThrows(AppFailure.class, () -> rt.swapTo(jar(2, "fail-start")));
            rt.rollBackTo(Optional.of(v1));
            long afterFirst = counterOf(rt);
            assertTrue(afterFirst > 0, "v1 restarted with its counter");

            rt.swapTo(jar(3, "never-healthy"));
            assertFalse(rt.awaitHealthy(Duration.ofMillis(300)));
            rt.rollBackTo(Optional.of(v1));
            assertTrue(counterOf(rt) >= afterFirst);

            AppRelease missing = TestApps.release(dir, AppRelease.AppKind.JAR, 4, "demo.Missing",
                    TestApps.jar(dir, "v4", TestApps.counter("ok")));
            AppFailure cnfe = assertThrows(AppFailure.class, () -> rt.swapTo(missing));
            assertTrue(cnfe.getMessage().contains("not found"), cnfe.getMessage());
            assertEquals(1, rt.running().orElseThrow().ver(), "a release that cannot load never stops the running one");

            rt.swapTo(jar(5, "hang-on-stop"));
            long t0 = System.nanoTime();
            rt.rollBackTo(Optional.of(v1));
            assertTrue((System.nanoTime() - t0) / 1e9 < 10, "a stop that hangs is abandoned after the call limit");
            assertTrue(log.stream().anyMatch(l -> l.contains("did not stop")), log.toString());
            assertTrue(rt.awaitHealthy(Duration.ofSeconds(1)));
        }
    }

    @Test
    void aReleaseInTheSameBankPathSeesItsOwnResources() throws Exception {
        String source = TestApps.counter("ok").replace("public void start(AppContext c) {",
                "public void start(AppContext c) { if (!health()) throw new IllegalStateException(\"bad build\");").replace("public boolean health() { return running && !MODE.equals(\"never-healthy\"); }",
                "public boolean health() { try (var in = App.class.getResourceAsStream(\"/which\")) { return new String(in.readAllBytes()).equals(\"good\"); } catch (Exception e) { return false; } }");
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofSeconds(2), log::add)) {
            Path bank = java.nio.file.Files.createDirectories(dir.resolve("same-bank"));
            for (String which : new String[] {"bad", "good"}) {
                Path jar = TestApps.jar(dir, "res-" + which, source);
                try (var fs = java.nio.file.FileSystems.newFileSystem(jar)) {
                    java.nio.file.Files.writeString(fs.getPath("/which"), which);
                }
                // A new file at the same path, as a download into the same bank makes it.
                Path image = bank.resolve("image");
                java.nio.file.Files.deleteIfExists(image);
                java.nio.file.Files.copy(jar, image);
                AppRelease r = new AppRelease(AppRelease.AppKind.JAR, which.equals("bad") ? 1 : 2, Optional.of("demo.App"), image, bank);
                if (which.equals("bad")) {
                    // Reads its resource, then fails to start: its loader must not linger with the old file.
                    assertThrows(AppFailure.class, () -> rt.start(r, Optional.empty()));
                } else {
                    rt.start(r, Optional.empty());
                    assertTrue(rt.awaitHealthy(Duration.ofMillis(300)), "the new release read its own resource");
                }
            }
        }
    }
}
