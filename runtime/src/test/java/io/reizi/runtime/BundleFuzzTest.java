package io.reizi.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Fuzzing of exec bundle unpacking. Whatever the bytes: an {@link AppFailure} or a layout, never another exception;
 * nothing written outside {@code <bank>/app}; no link created; no more written than the limits allow.
 * In {@code mvn verify} (regression mode) the seeds under {@code src/test/resources/.../BundleFuzzTestInputs} run;
 * {@code JAZZER_FUZZ=1} fuzzes (commands in docs/reliability.md).
 */
class BundleFuzzTest {
    private static final UnpackLimits LIMITS = new UnpackLimits(1 << 20, 64, 100, 64 << 10);

    /** Raw bytes as the image: broken zips, truncated headers, zip64 fields, lying sizes. */
    @FuzzTest(maxDuration = "8s")
    void unpackRawImage(byte[] image) throws IOException {
        unpackChecked(image, "run");
    }

    /** Well-formed zips with fuzzed entry names and contents: the entry-name checks and the limits. */
    @FuzzTest(maxDuration = "8s")
    void unpackBuiltZip(FuzzedDataProvider data) throws IOException {
        String entry = data.consumeString(40);
        int n = data.consumeInt(0, 8);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (int i = 0; i < n; i++) {
                String name = data.consumeString(60);
                if (name.isEmpty()) continue;
                try {
                    out.putNextEntry(new ZipEntry(name));
                } catch (java.util.zip.ZipException duplicate) {
                    continue;
                }
                byte[] content = new byte[data.consumeInt(0, 300_000)]; // one byte repeated: compresses like a bomb
                java.util.Arrays.fill(content, data.consumeByte());
                out.write(content);
                out.closeEntry();
            }
        } catch (IllegalArgumentException tooLong) {
            return; // java.util.zip refuses a name over 64 KiB of UTF-8: not a bundle anyone can make
        }
        unpackChecked(bytes.toByteArray(), entry.isEmpty() ? "run" : entry);
    }

    private static void unpackChecked(byte[] image, String entry) throws IOException {
        // Jazzer's path traversal sanitizer matches a path by its string, so an archive entry named like its default
        // target's absolute path "reaches" it while only the archive is read. Its target is moved to where an escape
        // from <bank>/app lands first (<bank>/jazzer-traversal), under a folder whose name holds a backslash: no
        // entry can name that path, since an entry name with a backslash is refused before anything is read.
        Path work = Files.createTempDirectory("bundle\\fuzz");
        try {
            Path bank = Files.createDirectories(work.resolve("bank"));
            Path file = bank.resolve("image");
            Files.write(file, image);
            Path app = bank.resolve("app");
            Path escape = bank.resolve("jazzer-traversal");
            try (var target = BugDetectors.setFilePathTraversalTarget(() -> escape)) {
                Bundle.unpack(new AppRelease(AppRelease.AppKind.EXEC, 1, Optional.of(entry), file, bank), LIMITS);
            } catch (AppFailure expected) {
                // refusing is fine; anything else escaping is the defect
            }
            List<Path> all;
            try (Stream<Path> s = Files.walk(work)) {
                all = s.toList();
            }
            long written = 0;
            for (Path p : all) {
                assertFalse(Files.isSymbolicLink(p), "a link was created: " + p);
                boolean allowed = p.equals(work) || p.equals(bank) || p.equals(file) || p.startsWith(app);
                assertTrue(allowed, "written outside the app folder: " + work.relativize(p));
                if (p.startsWith(app) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) written += Files.size(p);
            }
            assertTrue(written <= LIMITS.budgetFor(image.length), "unpacked " + written + " bytes past the budget");
        } finally {
            Bundle.deleteTree(work);
        }
    }
}
