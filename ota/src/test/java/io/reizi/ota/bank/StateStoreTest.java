package io.reizi.ota.bank;

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
}
