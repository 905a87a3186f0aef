package io.reizi.ota.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.reizi.ota.wire.Bank;
import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.bank.Release;
import io.reizi.ota.bank.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzz target for the state-file loader: any bytes in {@code state.json} beside a good mirror load (the good
 * copy, or the fuzzed one when it is a valid state of a newer generation), and load again the same; alone,
 * they load or are refused with an IOException, nothing else. Files live on /dev/shm when there is one, so
 * that the fsyncs of the repair cost nothing.
 */
class StateFileFuzzTest {
    static final DeviceState INSTALLED = new DeviceState(Bank.B, Map.of(
            Bank.A, new Release("app", 4, "4.0.0", "jar", "sha256:" + "ab".repeat(32), "com.example.App"),
            Bank.B, new Release("app", 5, null, "image", "sha256:" + "cd".repeat(32), null)), false, 0, List.of(3L));
    static Path dir;
    static byte[] goodMirror;

    @BeforeAll
    static void goodCopy() throws IOException {
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "reizi-state-fuzz")
                : Files.createTempDirectory("reizi-state-fuzz");
        StateStore store = new StateStore(dir.resolve("state.json"));
        store.save(INSTALLED);
        goodMirror = Files.readAllBytes(store.mirror());
    }

    @AfterAll
    static void clean() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @FuzzTest(maxDuration = "20s")
    void stateFile(byte[] input) throws IOException {
        StateStore store = new StateStore(dir.resolve("state.json"));
        Files.write(store.file(), input);
        Files.write(store.mirror(), goodMirror);
        DeviceState loaded = store.load();
        assertEquals(loaded, new StateStore(store.file()).load(), "a second load sees what the first chose");

        Files.write(store.file(), input);
        Files.delete(store.mirror());
        try {
            store.load();
        } catch (IOException refused) {
            // a damaged only copy is refused, and that is the only way out
        }
    }
}
