package io.reizi.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AppEntryTest {
    @ParameterizedTest
    @ValueSource(strings = {"/etc/x", "..", "../..", "a/../../b", "bin/../run", "./run", "run/", "a//b", "", "a\0b", "a\nb"})
    void execEntriesOutsideOrUnnormalisedAreRefused(String entry) {
        assertTrue(AppEntry.problem(AppRelease.AppKind.EXEC, entry).isPresent(), entry);
    }

    @ParameterizedTest
    @ValueSource(strings = {"run", "bin/run", "bin/my app", "a.b/c..d"})
    void plainRelativeExecEntriesPass(String entry) {
        assertEquals(Optional.empty(), AppEntry.problem(AppRelease.AppKind.EXEC, entry));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../App", "demo/App", "demo..App", ".App", "1demo.App", "demo.App;"})
    void jarEntriesMustBeClassNames(String entry) {
        assertTrue(AppEntry.problem(AppRelease.AppKind.JAR, entry).isPresent(), entry);
        assertEquals(Optional.empty(), AppEntry.problem(AppRelease.AppKind.JAR, "demo.App"));
    }

    @Test
    void byWireKindAnImageHasNoEntryToCheck() {
        assertEquals(Optional.empty(), AppEntry.problem("image", Optional.of("../..")));
        assertTrue(AppEntry.problem("exec", Optional.of("../..")).isPresent());
        assertEquals(Optional.empty(), AppEntry.problem("exec", Optional.empty()));
        assertTrue(AppEntry.problem(AppRelease.AppKind.EXEC, "x".repeat(256)).isPresent());
    }
}
