package io.reizi.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostile exec bundles: each is refused as an {@link AppFailure}, and nothing lands outside the app folder. */
class BundleContainmentTest {
    @TempDir
    Path dir;
    final List<String> log = new CopyOnWriteArrayList<>();

    /** A zip written with java.util.zip, which takes any entry name as given: {@code name -> content}. */
    Path zip(String name, Map<String, byte[]> entries) throws IOException {
        Path zip = dir.resolve(name);
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            for (var e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return zip;
    }

    AppFailure refused(AppRelease release) throws IOException {
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(200), log::add)) {
            AppFailure f = assertThrows(AppFailure.class, () -> rt.start(release, Optional.empty()));
            assertTrue(rt.running().isEmpty());
            return f;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../../../x", "bin/../../../x", "../x", "bin/../../x"})
    void zipSlipEntriesAreRefusedAndWriteNothingOutside(String evil) throws Exception {
        Path zip = zip("slip.zip", Map.of("bin/run", "#!/bin/sh\nsleep 10\n".getBytes(), evil, "owned".getBytes()));
        AppRelease r = TestApps.release(dir, AppRelease.AppKind.EXEC, 1, "bin/run", zip);
        refused(r);
        try (Stream<Path> all = Files.walk(dir)) {
            assertTrue(all.noneMatch(p -> p.getFileName().toString().equals("x")), "an entry escaped the app folder");
        }
        assertFalse(Files.exists(Path.of("/x")));
    }

    @Test
    void aLinkEntryNeverBecomesALink() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("run"), "#!/bin/sh\necho READY; sleep 10\n");
        src.resolve("run").toFile().setExecutable(true);
        Files.createSymbolicLink(src.resolve("passwd"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(src.resolve("up"), Path.of("../../../.."));
        Path zip = dir.resolve("links.zip");
        // zip -y stores the links as links (Unix mode 0120777, the target as the content), as a hostile publisher would.
        Process p = new ProcessBuilder("zip", "-q", "-y", zip.toString(), "run", "passwd", "up").directory(src.toFile())
                .inheritIO().start();
        assertEquals(0, p.waitFor());
        AppRelease r = TestApps.release(dir, AppRelease.AppKind.EXEC, 1, "run", zip);
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(200), log::add)) {
            rt.start(r, Optional.empty());
            Path app = r.bankDir().resolve("app");
            try (Stream<Path> all = Files.walk(app)) {
                assertTrue(all.noneMatch(Files::isSymbolicLink), "a link was created in the app folder");
            }
            assertEquals("/etc/passwd", Files.readString(app.resolve("passwd")), "a link entry is a file naming its target");
            assertFalse(Files.isSymbolicLink(app.resolve("up")), "no link leads out of the folder");
        }
    }

    @Test
    void aZipBombIsRefusedByTheExpansionRatio() throws Exception {
        Path zip = dir.resolve("bomb.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("run"));
            out.write("#!/bin/sh\nsleep 10\n".getBytes());
            out.putNextEntry(new ZipEntry("zeros"));
            byte[] mib = new byte[1 << 20];
            for (int i = 0; i < 64; i++) out.write(mib); // 64 MiB of zeros: about 64 KiB zipped, ~1000 to 1
        }
        AppRelease r = TestApps.release(dir, AppRelease.AppKind.EXEC, 1, "run", zip);
        AppFailure f = refused(r);
        assertTrue(f.getMessage().contains("unpacks to more than"), f.getMessage());
        long budget = UnpackLimits.defaults().budgetFor(Files.size(zip));
        assertTrue(budget < 64L << 20);
        assertTrue(sizeOf(r.bankDir().resolve("app")) <= budget, "writing stopped at the budget");
    }

    @Test
    void theTotalSizeAndTheEntryCountAreBounded() throws Exception {
        byte[] random = new byte[3 << 20];
        new Random(1).nextBytes(random);
        Path big = zip("big.zip", Map.of("run", "#!/bin/sh\n".getBytes(), "blob", random));
        UnpackLimits small = new UnpackLimits(2 << 20, 100, 100, 1 << 20);
        AppFailure tooBig = assertThrows(AppFailure.class, () -> Bundle.unpack(
                TestApps.release(dir, AppRelease.AppKind.EXEC, 1, "run", big), small));
        assertTrue(tooBig.getMessage().contains("unpacks to more than 2097152 bytes"), tooBig.getMessage());

        Map<String, byte[]> many = new java.util.HashMap<>();
        for (int i = 0; i <= UnpackLimits.MAX_ENTRIES; i++) many.put("f" + i, new byte[0]);
        many.put("run", "#!/bin/sh\n".getBytes());
        Path crowd = zip("many.zip", many);
        AppRelease r = TestApps.release(dir, AppRelease.AppKind.EXEC, 2, "run", crowd);
        AppFailure tooMany = refused(r);
        assertTrue(tooMany.getMessage().contains("more than " + UnpackLimits.MAX_ENTRIES + " entries"), tooMany.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ABSOLUTE", "../..", "../../escaped", "bin/../../escaped", "./app", "a//b", ".."})
    void aSingleFileEntryMustStayInTheAppFolder(String entry) throws Exception {
        Path target = dir.resolve("escaped");
        String e = entry.equals("ABSOLUTE") ? target.toString() : entry;
        Path program = TestApps.script(dir, "prog", "echo READY; sleep 10");
        AppRelease r = TestApps.release(dir, AppRelease.AppKind.EXEC, 1, e, program);
        AppFailure f = refused(r);
        assertTrue(f.getMessage().contains("entry"), f.getMessage());
        assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS), "the program was written outside its folder");
        assertTrue(AppEntry.problem(AppRelease.AppKind.EXEC, e).isPresent(), "the manifest-time check refuses it too");
    }

    @Test
    void aSingleFileEntryMayNameASubfolder() throws Exception {
        Path program = TestApps.script(dir, "prog", "echo READY; while :; do sleep 0.05; done");
        AppRelease r = TestApps.release(dir, AppRelease.AppKind.EXEC, 1, "bin/prog", program);
        try (AppRuntime rt = new AppRuntime(dir.resolve("state"), Duration.ofMillis(200), log::add)) {
            rt.start(r, Optional.empty());
            assertTrue(Files.isExecutable(r.bankDir().resolve("app/bin/prog")));
        }
    }

    @Test
    void aBundleThatIsNoZipAfterItsMagicIsAFailureNotACrash() throws Exception {
        Path junk = dir.resolve("junk");
        try (OutputStream out = Files.newOutputStream(junk)) {
            out.write(new byte[] {'P', 'K', 3, 4, 0, 0, 0});
        }
        refused(TestApps.release(dir, AppRelease.AppKind.EXEC, 1, "run", junk));
    }

    static long sizeOf(Path folder) throws IOException {
        if (!Files.exists(folder)) return 0;
        try (Stream<Path> all = Files.walk(folder)) {
            return all.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
