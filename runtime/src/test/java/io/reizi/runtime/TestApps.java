package io.reizi.runtime;

import io.reizi.runtime.api.ReiziApp;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Compiles small apps against the runtime API into real jars, the way a release author would. */
final class TestApps {
    private TestApps() {}

    /** A counter app whose behaviour is chosen by {@code mode}, as in the samples. */
    static String counter(String mode) {
        return """
                package demo;
                import io.reizi.runtime.api.*;
                import java.nio.charset.StandardCharsets;
                public class App implements ReiziApp {
                    static final String MODE = "%s";
                    volatile long counter; volatile boolean running; Thread ticker;
                    public void start(AppContext c) {
                        if (MODE.equals("fail-start")) throw new IllegalStateException("broken on purpose");
                        counter = c.previousState().map(b -> Long.parseLong(new String(b, StandardCharsets.UTF_8))).orElse(0L);
                        running = true;
                        ticker = new Thread(() -> { while (running) { counter++; try { Thread.sleep(2); } catch (InterruptedException e) { return; } } });
                        ticker.setDaemon(true);
                        ticker.start();
                    }
                    public void stop() {
                        running = false;
                        while (MODE.equals("hang-on-stop")) { try { Thread.sleep(1000); } catch (InterruptedException ignored) { } }
                    }
                    public boolean health() { return running && !MODE.equals("never-healthy"); }
                    public byte[] snapshot() { return Long.toString(counter).getBytes(StandardCharsets.UTF_8); }
                }
                """.formatted(mode);
    }

    static Path jar(Path dir, String name, String source) throws IOException {
        Path src = Files.createDirectories(dir.resolve(name + "-src/demo")).resolve("App.java");
        Files.writeString(src, source);
        Path classes = Files.createDirectories(dir.resolve(name + "-classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-d", classes.toString(), "-cp", apiClasses(), src.toString());
        if (rc != 0) throw new IllegalStateException("compiling " + name + " failed");
        Path jar = dir.resolve(name + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    /** A bank folder holding {@code image} as its release, like the agent lays it out. */
    static AppRelease release(Path dir, AppRelease.AppKind kind, long ver, String entry, Path image) throws IOException {
        Path bank = Files.createDirectories(dir.resolve("bank-" + ver));
        Path target = bank.resolve("image");
        Files.copy(image, target);
        return new AppRelease(kind, ver, java.util.Optional.ofNullable(entry), target, bank);
    }

    static Path script(Path dir, String name, String body) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, "#!/bin/sh\n" + body + "\n");
        f.toFile().setExecutable(true);
        return f;
    }

    private static String apiClasses() {
        try {
            return Path.of(ReiziApp.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }


}
