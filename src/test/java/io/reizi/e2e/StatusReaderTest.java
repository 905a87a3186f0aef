package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.reizi.agent.Publication;
import io.reizi.agent.Publisher;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publisher reads the device's status as a contract reader: a status with a value outside the contract's
 * lists is set aside whole (never half read, never a crash), one with fields the contract does not know yet counts.
 * No agent here: the test speaks for the device on its status topic, through a real broker.
 */
class StatusReaderTest {
    @TempDir
    Path dir;

    /** Each would end the release as committed if it were read at all. */
    static final List<String> OUT_OF_CONTRACT = List.of(
            "{\"id\":\"ghost\",\"state\":\"committed\",\"ver\":1,\"error\":\"cert_revoked\",\"ts\":1}",
            "{\"id\":\"ghost\",\"state\":\"committed\",\"ver\":1,\"net\":\"great\",\"ts\":1}",
            "{\"id\":\"ghost\",\"state\":\"committed\",\"ver\":1,\"active\":\"c\",\"ts\":1}",
            "{\"id\":\"ghost\",\"state\":\"committed\",\"ver\":\"1\",\"ts\":1}",
            "{\"id\":\"ghost\",\"state\":\"Committed\",\"ver\":1,\"ts\":1}",
            "{\"id\":\"ghost\",\"state\":\"paused\",\"ver\":1,\"ts\":1}");
    /** Within the contract, with a field a later version might add. */
    static final String REFUSAL = "{\"id\":\"ghost\",\"state\":\"failed\",\"ver\":1,\"error\":\"rollback_refused\","
            + "\"detail\":\"ver 1 was rolled back here\",\"later\":{\"x\":[1,{\"state\":\"paused\"}]},\"ts\":2}";

    @Test
    void outOfContractStatusesAreSetAsideAndTheValidOneDecides() throws Exception {
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker")); RawMqtt device = new RawMqtt(broker.url())) {
            Path image = dir.resolve("image");
            Files.write(image, new byte[10_000]);
            Publication release = Publication.builder(broker.url(), "ghost", image, 1, Keys.generate(Keys.Alg.ED25519))
                    .chunk(4096).timeout(Duration.ofSeconds(30)).build();
            CompletableFuture<Publisher.Outcome> publishing = CompletableFuture.supplyAsync(() -> {
                try (Publisher p = new Publisher(release)) {
                    return p.run(s -> {});
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // Statuses are not retained: say it all again until the publisher, subscribed by then, has its answer.
            // One client's messages reach a subscriber in order, so the bad ones are always read first.
            while (!publishing.isDone()) {
                for (String bad : OUT_OF_CONTRACT) device.status("ghost", bad);
                device.status("ghost", REFUSAL);
                Thread.sleep(200);
            }
            Publisher.Outcome outcome = publishing.get(5, TimeUnit.SECONDS);
            assertFalse(outcome.success(), outcome.summary());
            Status s = outcome.devices().get("ghost");
            assertEquals(OtaState.FAILED, s.state(), outcome.summary());
            assertEquals(ErrorCode.ROLLBACK_REFUSED, s.error());
            assertFalse(outcome.summary().contains("time limit"), outcome.summary());
        }
    }
}
