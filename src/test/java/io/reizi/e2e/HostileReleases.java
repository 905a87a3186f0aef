package io.reizi.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.ToolProvider;

/**
 * Releases built to misbehave: jar apps compiled at test time from a few lines of Java (javac of the running JDK,
 * against the runtime API on the test class path), and exec bundles with entries no honest packer writes.
 */
final class HostileReleases {
    static final String APP = "hostile.App";
    private static final int S_IFREG = 0100000, S_IFLNK = 0120000;

    private HostileReleases() {}

    /** The bodies of a {@code ReiziApp}'s methods; a field declaration or two in {@code members}. */
    record AppSource(String members, String staticInit, String start, String stop, String health) {
        static AppSource healthy() {
            return new AppSource("", "", "", "", "return true;");
        }

        AppSource withStart(String body) {
            return new AppSource(members, staticInit, body, stop, health);
        }

        AppSource withStop(String body) {
            return new AppSource(members, staticInit, start, body, health);
        }

        AppSource withHealth(String body) {
            return new AppSource(members, staticInit, start, stop, body);
        }

        AppSource withStatic(String body) {
            return new AppSource(members, body, start, stop, health);
        }

        AppSource withMembers(String body) {
            return new AppSource(body, staticInit, start, stop, health);
        }

        String java() {
            return "package hostile;\n"
                    + "public final class App implements io.reizi.runtime.api.ReiziApp {\n"
                    + members + "\n"
                    + "  static {\n" + staticInit + "\n  }\n"
                    + "  public void start(io.reizi.runtime.api.AppContext context) throws Exception {\n" + start + "\n  }\n"
                    + "  public void stop() throws Exception {\n" + stop + "\n  }\n"
                    + "  public boolean health() {\n" + health + "\n  }\n"
                    + "}\n";
        }
    }

    /** Compiles {@code hostile.App} into a jar, in {@code work}. */
    static byte[] jar(Path work, AppSource source) throws IOException {
        Path src = Files.createDirectories(Files.createTempDirectory(work, "jar").resolve("hostile"));
        Path file = Files.writeString(src.resolve("App.java"), source.java());
        Path classes = Files.createDirectories(src.getParent().resolve("classes"));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors, "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path"), file.toString());
        if (rc != 0) throw new IllegalStateException("hostile app does not compile:\n" + errors + "\n" + source.java());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out)) {
            jar.putNextEntry(new ZipEntry("hostile/App.class"));
            jar.write(Files.readAllBytes(classes.resolve("hostile/App.class")));
            jar.closeEntry();
        }
        return out.toByteArray();
    }

    /** One zip entry: a file with its Unix mode, or a symbolic link to {@code target}. */
    record Entry(String name, byte[] content, int mode) {
        static Entry file(String name, String content, int perms) {
            return new Entry(name, content.getBytes(StandardCharsets.UTF_8), S_IFREG | perms);
        }

        static Entry link(String name, String target) {
            return new Entry(name, target.getBytes(StandardCharsets.UTF_8), S_IFLNK | 0777);
        }
    }

    /** The program of every test bundle: stays up until SIGTERM, which is the default health ("alive"). */
    static Entry program(String script) {
        return Entry.file("bin/app", "#!/bin/sh\n" + script + "\n", 0755);
    }

    static final String IDLE = "exec sleep 600";

    /** A zip with Unix modes (as Info-ZIP writes them: made by Unix, mode in the high external attributes). */
    static byte[] zip(Entry... entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Map<String, Integer> modes = new LinkedHashMap<>();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Entry e : entries) {
                zip.putNextEntry(new ZipEntry(e.name()));
                zip.write(e.content());
                zip.closeEntry();
                modes.put(e.name(), e.mode());
            }
        }
        return withUnixModes(out.toByteArray(), modes);
    }

    /** {@code count} empty files besides the program: a bundle that is all directory. */
    static byte[] manyEntries(int count) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(Deflater.NO_COMPRESSION);
            addProgram(zip);
            for (int i = 0; i < count; i++) {
                zip.putNextEntry(new ZipEntry("f/" + Integer.toString(i, 36)));
                zip.closeEntry();
            }
        }
        return withUnixModes(out.toByteArray(), Map.of("bin/app", S_IFREG | 0755));
    }

    /** A zip bomb: {@code expanded} zero bytes deflated into one entry (about 1/1000 of it on the wire). */
    static byte[] bomb(long expanded) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(Deflater.BEST_COMPRESSION);
            addProgram(zip);
            zip.putNextEntry(new ZipEntry("data/zeros"));
            byte[] zeros = new byte[1 << 20];
            for (long left = expanded; left > 0; left -= zeros.length) zip.write(zeros, 0, (int) Math.min(left, zeros.length));
            zip.closeEntry();
        }
        return withUnixModes(out.toByteArray(), Map.of("bin/app", S_IFREG | 0755));
    }

    private static void addProgram(ZipOutputStream zip) throws IOException {
        zip.putNextEntry(new ZipEntry("bin/app"));
        zip.write(program(IDLE).content());
        zip.closeEntry();
    }

    /**
     * Rewrites each central directory record of a JDK-written zip (made by MS-DOS, no mode) to "made by Unix"
     * with the entry's mode, which is how symbolic links and executables travel in zips.
     */
    private static byte[] withUnixModes(byte[] zip, Map<String, Integer> modes) {
        for (int i = 0; i + 46 <= zip.length; i++) {
            if (zip[i] != 'P' || zip[i + 1] != 'K' || zip[i + 2] != 1 || zip[i + 3] != 2) continue;
            int nameLength = u16(zip, i + 28);
            String name = new String(zip, i + 46, nameLength, StandardCharsets.UTF_8);
            Integer mode = modes.get(name);
            if (mode == null) continue;
            zip[i + 4] = 30; // version made by: 3.0
            zip[i + 5] = 3; // host: Unix
            int attrs = mode << 16;
            for (int b = 0; b < 4; b++) zip[i + 38 + b] = (byte) (attrs >>> (8 * b));
        }
        return zip;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }
}
