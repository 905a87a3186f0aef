package io.reizi.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.crypto.Keys;
import io.reizi.ota.crypto.TrustedKeys;
import io.reizi.ota.wire.ErrorCode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The AOT cache's training pass over the update path ({@link UpdatePathTraining}): every class of the generated
 * list still exists (a class renamed or removed since bin/update-path-classes wrote it fails here: run it again),
 * and the made-up release goes through the real codecs and checks and is refused by each kind of trusted key.
 */
class UpdatePathTrainingTest {
    private static final TrustedKeys BOTH_KINDS = new TrustedKeys(List.of(
            Keys.publicOf(Keys.generate(Keys.Alg.ED25519)), Keys.publicOf(Keys.generate(Keys.Alg.ES256))));

    @Test
    void everyListedClassOfTheUpdatePathLoads() {
        UpdatePathTraining.Outcome o = UpdatePathTraining.run(BOTH_KINDS);
        assertEquals(List.of(), o.missing(), "re-run bin/update-path-classes");
        assertEquals(UpdatePathTraining.listedClasses().size(), o.classesLoaded());
        assertTrue(o.classesLoaded() > 50, "the list holds the update path: " + o.classesLoaded());
        assertTrue(UpdatePathTraining.listedClasses().stream().noneMatch(n -> n.contains("/")),
                "no hidden class (lambda, method handle form) is listed: they cannot be loaded by name");
    }

    @Test
    void theMadeUpReleaseIsRefusedAsForgedByEachKindOfTrustedKey() {
        assertEquals(List.of(ErrorCode.BAD_SIGNATURE, ErrorCode.BAD_SIGNATURE), UpdatePathTraining.run(BOTH_KINDS).refusals());
        TrustedKeys edOnly = new TrustedKeys(List.of(Keys.publicOf(Keys.generate(Keys.Alg.ED25519))));
        assertEquals(List.of(ErrorCode.BAD_SIGNATURE), UpdatePathTraining.run(edOnly).refusals());
    }
}
