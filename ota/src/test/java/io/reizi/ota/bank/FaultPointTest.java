package io.reizi.ota.bank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The naming of fault points; halting at one is proven by the power-cut tests against real agents. */
class FaultPointTest {
    @Test
    void aPointNamesAStepAndTheTailOfAPath() {
        FaultPoint.Spec spec = FaultPoint.Spec.parse("after-rename:banks/b/image#2");
        assertEquals(new FaultPoint.Spec(FaultPoint.Step.AFTER_RENAME, Path.of("banks/b/image"), 2), spec);
        assertTrue(spec.matches(FaultPoint.Step.AFTER_RENAME, Path.of("/data/banks/b/image")));
        assertFalse(spec.matches(FaultPoint.Step.BEFORE_RENAME, Path.of("/data/banks/b/image")));
        assertFalse(spec.matches(FaultPoint.Step.AFTER_RENAME, Path.of("/data/banks/a/image")));
        assertFalse(spec.matches(FaultPoint.Step.AFTER_RENAME, Path.of("/data/banks/b/myimage")), "whole elements");
        assertEquals(1, FaultPoint.Spec.parse("before-dirsync:banks/a").occurrence());
    }

    @Test
    void aMalformedPointIsRefusedWithItsReason() {
        assertThrows(IllegalArgumentException.class, () -> FaultPoint.Spec.parse("state.json"));
        assertThrows(IllegalArgumentException.class, () -> FaultPoint.Spec.parse("after-write:state.json"));
        assertThrows(IllegalArgumentException.class, () -> FaultPoint.Spec.parse("after-rename:"));
        assertThrows(IllegalArgumentException.class, () -> FaultPoint.Spec.parse("after-rename:x#0"));
    }
}
