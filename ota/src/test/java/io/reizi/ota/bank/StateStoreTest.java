package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    static final String HASH = "sha256:" + "ab".repeat(32);

    @TempDir
    Path dir;

    @Test
    void savesAndLoadsEveryField() throws IOException {
        StateStore store = new StateStore(dir.resolve("state.json"));
        assertEquals(DeviceState.fresh(), store.load());
        store.save(DeviceState.fresh());
        assertEquals(DeviceState.fresh(), store.load());
        DeviceState state = new DeviceState(Bank.B, Map.of(
                Bank.A, new Release("app", 4, "4.0.0", "jar", HASH, "com.example.App"),
                Bank.B, new Release("app", 5, null, "image", HASH, null)), true, 2, List.of(3L, 1_795_000_000L));
        store.save(state);
        assertEquals(state, store.load());
        assertTrue(Files.readString(store.file()).contains("\"trialRestarts\" : 2"), Files.readString(store.file()));
    }

    @Test
    void readsTheFileEarlierVersionsWrote() throws IOException {
        Path file = dir.resolve("state.json");
        Files.writeString(file, """
                {
                  "active" : "B",
                  "banks" : {
                    "B" : {
                      "fw" : "goodput",
                      "ver" : 1795753254,
                      "label" : null,
                      "kind" : "image",
                      "hash" : "%s",
                      "entry" : null
                    }
                  },
                  "trial" : false,
                  "trialRestarts" : 0,
                  "rolledBack" : [ ],
                  "addedLater" : {"skipped": [1, 2]}
                }""".formatted(HASH));
        assertEquals(new DeviceState(Bank.B, Map.of(Bank.B, new Release("goodput", 1795753254L, null, "image", HASH, null)),
                false, 0, List.of()), new StateStore(file).load());
    }

    @Test
    void anUnreadableFileIsAnErrorNamingIt() throws IOException {
        Path file = dir.resolve("state.json");
        for (String bad : List.of("{\"active\" : \"B\", \"banks\" : {", "[]", "{\"trial\" : true}", "{\"active\" : \"C\"}")) {
            Files.writeString(file, bad);
            IOException e = assertThrows(IOException.class, () -> new StateStore(file).load());
            assertTrue(e.getMessage().startsWith("state file " + file + " is unreadable"), e.getMessage());
        }
    }

    static final DeviceState INSTALLED = new DeviceState(Bank.B, Map.of(
            Bank.A, new Release("app", 4, "4.0.0", "jar", HASH, "com.example.App"),
            Bank.B, new Release("app", 5, null, "image", HASH, null)), false, 0, List.of(3L));

    @Test
    void eitherCopyAloneKeepsTheFloorAndTheActiveReleaseAndTheOtherIsRewritten() throws IOException {
        StateStore store = new StateStore(dir.resolve("state.json"));
        store.save(INSTALLED);
        for (Path lost : List.of(store.file(), store.mirror())) {
            Files.delete(lost);
            try (Warnings w = new Warnings()) {
                assertEquals(INSTALLED, new StateStore(store.file()).load(), "after losing " + lost);
                assertTrue(w.any(lost.toString(), "missing"), w.messages().toString());
            }
            assertTrue(Files.exists(lost), "rewritten: " + lost);
        }
        Files.delete(store.file());
        new StateStore(store.file()).load();
        Files.delete(store.mirror());
        assertEquals(INSTALLED, new StateStore(store.file()).load(), "the rewritten copy is whole");
    }

    @Test
    void aDamagedCopyIsDiscardedWithAWarning() throws IOException {
        StateStore store = new StateStore(dir.resolve("state.json"));
        store.save(INSTALLED);
        byte[] good = Files.readAllBytes(store.file());
        List<byte[]> damage = List.of(new byte[0], java.util.Arrays.copyOf(good, good.length / 2), new byte[4096],
                "[]".getBytes(), "{\"active\" : \"A\"} trailing".getBytes(), new byte[(int) StateStore.MAX_BYTES + 1],
                new java.util.Random(7).ints(3000, 0, 256).collect(java.io.ByteArrayOutputStream::new,
                        java.io.ByteArrayOutputStream::write, (a, b) -> {}).toByteArray());
        for (Path damaged : List.of(store.file(), store.mirror())) {
            for (byte[] bytes : damage) {
                Files.write(damaged, bytes);
                try (Warnings w = new Warnings()) {
                    assertEquals(INSTALLED, new StateStore(store.file()).load(), damaged + " holding " + bytes.length + " bytes");
                    assertTrue(w.any(damaged.toString(), "rewriting"), w.messages().toString());
                }
                assertEquals(INSTALLED, new StateStore(store.file()).load());
            }
        }
    }

    @Test
    void theCopyWithTheNewestGenerationWins() throws IOException {
        StateStore store = new StateStore(dir.resolve("state.json"));
        store.save(DeviceState.fresh());
        byte[] older = Files.readAllBytes(store.file());
        store.save(INSTALLED);
        // A power cut between the two writes of a save leaves one copy a generation behind: either one.
        Files.write(store.mirror(), older);
        assertEquals(INSTALLED, new StateStore(store.file()).load());
        store.save(INSTALLED);
        Files.write(store.file(), older);
        assertEquals(INSTALLED, new StateStore(store.file()).load());
        // A store that never loaded still writes above what is on disk.
        new StateStore(store.file()).save(INSTALLED.commit().refuse(9));
        assertEquals(INSTALLED.refuse(9), new StateStore(store.file()).load());
    }

    @Test
    void bothCopiesDamagedIsARefusalNamingBoth() throws IOException {
        StateStore store = new StateStore(dir.resolve("state.json"));
        store.save(INSTALLED);
        Files.writeString(store.file(), "{");
        Files.writeString(store.mirror(), "garbage");
        IOException e = assertThrows(IOException.class, () -> new StateStore(store.file()).load());
        assertTrue(e.getMessage().contains(store.file().toString()) && e.getMessage().contains(store.mirror().toString()),
                e.getMessage());
        assertEquals("garbage", Files.readString(store.mirror()), "nothing is overwritten by a failed load");
    }
}
