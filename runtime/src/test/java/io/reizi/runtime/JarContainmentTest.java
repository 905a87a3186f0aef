package io.reizi.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A hosted jar cannot take the agent down, reach its classes, or leave threads unreported. */
class JarContainmentTest {
    /** A stuck app thread spins until the test sets this, so that it does not burn the CPU of the tests after it. */
    final String release = "reizi.test.release-spinners." + java.util.UUID.randomUUID();
    @TempDir
    Path dir;
    final List<String> log = new CopyOnWriteArrayList<>();

    @AfterEach
    void releaseSpinners() {
        System.setProperty(release, "true");
    }

    /** An app class with the given bodies; {@code spin()} stays stuck (interrupts ignored) until the test ends. */
    String app(String start, String stop, String health, String snapshot) {
        return """
                package demo;
                import io.reizi.runtime.api.*;
                import java.lang.invoke.*;
                import java.nio.charset.StandardCharsets;
                import java.util.*;
                public class App implements ReiziApp {
                    static void spin() { while (!Boolean.getBoolean("%s")) Thread.onSpinWait(); }
                    public void start(AppContext c) throws Exception {
                        try { %s } catch (Exception | Error e) { throw e; } catch (Throwable t) { throw new Exception(t); }
                    }
                    public void stop() throws Exception { %s }
                    public boolean health() { %s }
                    public byte[] snapshot() { %s }
                }
                """.formatted(release, start, stop, health, snapshot);
    }

    String app(String start) {
        return app(start, "", "return true;", "return null;");
    }

    AppRelease jar(long ver, String source) throws Exception {
        return TestApps.release(dir, AppRelease.AppKind.JAR, ver, "demo.App", TestApps.jar(dir, "v" + ver, source));
    }

    AppRelease good(long ver) throws Exception {
        return TestApps.release(dir, AppRelease.AppKind.JAR, ver, "demo.App", TestApps.jar(dir, "v" + ver, TestApps.counter("ok")));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "System.exit(0);",
            "Runtime.getRuntime().exit(0);",
            "Runtime.getRuntime().halt(0);",
            "System.class.getMethod(\"exit\", int.class).invoke(null, 0);",
            "MethodHandles.lookup().findStatic(System.class, \"exit\", MethodType.methodType(void.class, int.class)).invokeExact(0);",
            "MethodHandles.lookup().findVirtual(Runtime.class, \"halt\", MethodType.methodType(void.class, int.class)).invokeExact(Runtime.getRuntime(), 0);",
            "try { System.exit(0); } catch (Exception e) { }",
    })
    void exitingInStartFailsTheReleaseAndTheOldOneComesBack(String exit) throws Exception {
        // On the code before containment, the first of these ended the test JVM with status 0.
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofSeconds(1), log::add)) {
            AppRelease v1 = good(1);
            rt.start(v1, Optional.empty());
            AppFailure f = assertThrows(AppFailure.class, () -> rt.swapTo(jar(2, app(exit))));
            assertTrue(f.getMessage().contains("not allowed in a hosted app") || f.getMessage().contains("called"), f.getMessage());
            rt.rollBackTo(Optional.of(v1));
            assertTrue(rt.awaitHealthy(Duration.ofSeconds(2)), "v1 runs again: " + log);
        }
    }

    @Test
    void haltFromABackgroundThreadFailsTheTrial() throws Exception {
        // The halt comes once start() has returned and the trial asks for health; healthy once the halt was tried:
        // the trial must still fail.
        String start = "new Thread(() -> { while (!asked) Thread.onSpinWait(); "
                + "try { Runtime.getRuntime().halt(3); } finally { tried = true; } }).start();";
        String source = app(start, "", "asked = true; return tried;", "return null;").replace(
                "public class App implements ReiziApp {",
                "public class App implements ReiziApp { static volatile boolean asked, tried;");
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofSeconds(1), log::add)) {
            rt.start(good(1), Optional.empty());
            rt.swapTo(jar(2, source));
            assertFalse(rt.awaitHealthy(Duration.ofSeconds(2)), "a release that tried to halt the JVM is not healthy");
            assertTrue(log.stream().anyMatch(l -> l.contains("called Runtime.halt(3): refused")), log.toString());
        }
    }

    @Test
    void anAppReachesNoAgentClassByAnyLoaderItCanGet() throws Exception {
        String target = AppRuntime.class.getName();
        String start = """
                reached = new ArrayList<>();
                List<Object[]> ways = new ArrayList<>();
                ways.add(new Object[] {"system", ClassLoader.getSystemClassLoader()});
                ways.add(new Object[] {"api-class", ReiziApp.class.getClassLoader()});
                ways.add(new Object[] {"context-object", c.getClass().getClassLoader()});
                ways.add(new Object[] {"module", ReiziApp.class.getModule().getClassLoader()});
                ways.add(new Object[] {"domain", ReiziApp.class.getProtectionDomain().getClassLoader()});
                ways.add(new Object[] {"own-thread", Thread.currentThread().getContextClassLoader()});
                for (Thread t : Thread.getAllStackTraces().keySet()) ways.add(new Object[] {"thread " + t.getName(), t.getContextClassLoader()});
                for (Object[] w : ways) {
                    try { if (w[1] != null) { ((ClassLoader) w[1]).loadClass("%1$s"); reached.add((String) w[0]); } }
                    catch (ClassNotFoundException expected) { }
                }
                try { Class.forName("%1$s"); reached.add("forName"); } catch (ClassNotFoundException expected) { }
                try {
                    Object l = ClassLoader.class.getMethod("getSystemClassLoader").invoke(null);
                    ((ClassLoader) l).loadClass("%1$s"); reached.add("reflective system");
                } catch (UnsupportedOperationException | ClassNotFoundException expected) { }
                """.formatted(target);
        String source = app(start, "", "return true;", "return String.join(\",\", reached).getBytes(StandardCharsets.UTF_8);")
                .replace("public class App implements ReiziApp {", "public class App implements ReiziApp { List<String> reached;");
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofSeconds(1), log::add)) {
            rt.start(jar(1, source), Optional.empty());
            assertEquals("", new String(rt.current().snapshot(), StandardCharsets.UTF_8), "ways to the agent's classes");
            assertTrue(log.stream().anyMatch(l -> l.contains("call site(s) contained in")), log.toString());
        }
    }

    @Test
    void threadsLeftRunningAfterStopGraceAreReportedForTheAgentToShed() throws Exception {
        String start = "Thread t = new Thread(App::spin, \"spinner\"); t.start();";
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(300), log::add)) {
            AppRelease v1 = good(1);
            rt.start(v1, Optional.empty());
            assertTrue(rt.lingering().isEmpty());
            rt.swapTo(jar(2, app(start, "spin();", "return true;", "return null;")));
            long t0 = System.nanoTime();
            rt.rollBackTo(Optional.of(v1));
            assertTrue((System.nanoTime() - t0) / 1e9 < 5, "stop-grace bounds the stop");
            Lingering left = rt.lingering().orElseThrow(() -> new AssertionError("no report: " + log));
            assertEquals("jar v2", left.release());
            assertTrue(left.threads().contains("spinner") && left.threads().contains("app-2"), left.threads().toString());
            assertTrue(left.detail().contains("left 2 thread(s) running after stop-grace"), left.detail());
            assertTrue(rt.awaitHealthy(Duration.ofSeconds(2)), "v1 runs again");
        }
    }

    @Test
    void processesAJarStartsEndWithIt() throws Exception {
        Path pids = dir.resolve("pids");
        String daemon = "trap '' TERM; echo $$ >> " + pids + "; while :; do sleep 0.05; done";
        String start = """
                new ProcessBuilder("sh", "-c", "%1$s").start();
                Runtime.getRuntime().exec(new String[] {"sh", "-c", "%1$s"});
                new ProcessBuilder("sh", "-c", "setsid sh -c \\"%1$s\\" &").start();
                """.formatted(daemon.replace("\"", "\\\""));
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(300), log::add)) {
            rt.start(jar(1, app(start)), Optional.empty());
            for (int i = 0; i < 200 && (!java.nio.file.Files.exists(pids)
                    || java.nio.file.Files.readAllLines(pids).size() < 3); i++) {
                Thread.sleep(20);
            }
            List<Long> started = java.nio.file.Files.readAllLines(pids).stream().map(l -> Long.parseLong(l.trim())).toList();
            assertEquals(3, started.size(), log.toString());
            rt.swapTo(good(2));
            try {
                for (long pid : started) {
                    assertFalse(ProcessTree.Stat.of(pid).filter(st -> !st.zombie()).isPresent(),
                            "process " + pid + " the jar started outlived it: " + log);
                }
            } finally {
                for (long pid : started) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void aStartThatNeverReturnsFailsAndItsThreadIsReported() throws Exception {
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(300), log::add)) {
            AppFailure f = assertThrows(AppFailure.class, () -> rt.start(jar(1, app("spin();")), Optional.empty()));
            assertTrue(f.getMessage().contains("did not start within"), f.getMessage());
            assertEquals(List.of("app-1"), rt.lingering().orElseThrow().threads());
        }
    }

    @Test
    void aStaticInitialiserThatHangsDoesNotHangTheAgent() throws Exception {
        String source = app("").replace("public class App implements ReiziApp {",
                "public class App implements ReiziApp { static { spin(); }");
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(300), log::add)) {
            AppFailure f = assertThrows(AppFailure.class, () -> rt.start(jar(1, source), Optional.empty()));
            assertTrue(f.getMessage().contains("did not load within"), f.getMessage());
        }
    }

    @Test
    void aVirtualThreadOfTheAppIsKnownAsTheAppsToTheAgentsHandler() throws Exception {
        List<Boolean> appThread = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        // Virtual threads are all in one JDK group: their exceptions reach the default handler, which asks.
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> appThread.add(AppRuntime.isAppThread(t)));
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(300), log::add)) {
            rt.start(jar(1, app("Thread.ofVirtual().start(() -> { throw new IllegalStateException(\"v\"); });")),
                    Optional.empty());
            for (int i = 0; i < 100 && appThread.isEmpty(); i++) Thread.sleep(20);
            assertEquals(List.of(true), appThread);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }

    @Test
    void anExceptionEscapingAnAppThreadIsTheAppsNotTheAgents() throws Exception {
        List<Throwable> agentSaw = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> agentSaw.add(e)); // the agent panics from this handler
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(300), log::add)) {
            rt.start(jar(1, app("new Thread(() -> { throw new IllegalStateException(\"boom\"); }, \"worker\").start();")),
                    Optional.empty());
            for (int i = 0; i < 100 && log.stream().noneMatch(l -> l.contains("boom")); i++) Thread.sleep(20);
            assertTrue(log.stream().anyMatch(l -> l.contains("thread worker ended by java.lang.IllegalStateException: boom")),
                    log.toString());
            assertEquals(List.of(), agentSaw);
            assertFalse(AppRuntime.isAppThread(Thread.currentThread()));
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }
}
