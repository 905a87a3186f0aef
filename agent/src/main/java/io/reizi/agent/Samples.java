package io.reizi.agent;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;

/**
 * The sample releases the build makes (samples module): where they are, and versions of the counter jar
 * that differ only in {@code sample.properties} (a working v2, a deliberately broken v3).
 */
public final class Samples {
    private Samples() {}

    /** {@code -Dreizi.samples=DIR}, else {@code samples/} beside the agent jar (agent/target/samples). */
    public static Path dir() {
        String p = System.getProperty("reizi.samples");
        if (p != null) return Path.of(p);
        try {
            Path jar = Path.of(Samples.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return jar.getParent().resolve("samples");
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path counterJar() throws IOException {
        return require(dir().resolve("sample-counter.jar"));
    }

    public static Path execBundle() throws IOException {
        return require(dir().resolve("sample-exec.zip"));
    }

    /** A copy of the counter jar whose {@code sample.properties} says {@code mode}. */
    public static Path counterVariant(Path out, String mode) throws IOException {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(counterJar()));
                JarOutputStream jar = new JarOutputStream(Files.newOutputStream(out), in.getManifest())) {
            for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                jar.putNextEntry(new JarEntry(e.getName()));
                if (e.getName().equals("sample.properties")) {
                    jar.write(("mode = " + mode + "\n").getBytes(StandardCharsets.UTF_8));
                } else {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
        }
        return out;
    }

    private static Path require(Path p) throws IOException {
        if (!Files.isRegularFile(p)) throw new IOException("sample release " + p + " is missing: run mvn install");
        return p;
    }

}
