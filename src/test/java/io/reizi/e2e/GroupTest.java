package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publication;
import io.reizi.agent.Publisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One `--group` stream updates every member; each reports on its own status topic. */
class GroupTest {
    @TempDir
    Path dir;

    @Test
    void threeAgentsUpdatedByOneGroupStream() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            Set<String> fleet = Set.of("g1", "g2", "g3");
            for (String id : fleet) bed.agent(id, "--group", "fleet", "--group", "lab");
            Path image = bed.image("img", 1024 * 1024 + 7, 41);
            Publication release = Publication.builder(bed.broker.url(), "fleet", image, 3, bed.edKey).group("fleet", fleet)
                    .label(Optional.of("3.0")).chunk(4096).timeout(TestBed.LONG).build();
            Publisher.Outcome outcome = bed.publish(release);
            assertTrue(outcome.success(), outcome.summary());
            assertEquals(fleet, outcome.devices().keySet());
            for (String id : fleet) {
                assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(bed.dataDir(id).resolve("current/image")), id);
            }
        }
    }
}
