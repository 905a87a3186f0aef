package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publisher;
import io.reizi.ota.wire.OtaState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker without a message size limit (the shipped configs have one; a user's own broker may not), and a retained
 * message far over the agent's heap on each of its firmware topics. The agent tells the broker the largest packet
 * it takes (MQTT 5 Maximum Packet Size), so the broker drops those for it: the agent neither runs out of memory nor
 * panics (before, the retained message came again after every restart), and the next release commits.
 */
class OversizedMessageTest {
    static final int OVERSIZED = 100 << 20; // over the agent's whole heap (-Xmx64m)

    @TempDir
    Path dir;

    @Test
    void retainedMessagesLargerThanTheAgentTakesNeverReachIt() throws Exception {
        try (TestBed bed = new TestBed(dir, conf -> conf.replaceFirst("(?m)^message_size_limit .*$", "message_size_limit 0"));
                RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "big";
            AgentProcess agent = bed.agent(id);
            byte[] huge = new byte[OVERSIZED];
            Arrays.fill(huge, (byte) 0xA5);
            raw.index(id, huge);
            raw.manifest(id, huge);
            raw.chunk(id, huge);
            Thread.sleep(3000); // what would have arrived has: the broker has them all, acknowledged

            Path image = bed.image("v1.img", 256 * 1024, 3);
            int mark = bed.watcher.mark();
            Publisher.Outcome outcome = bed.publish(bed.release(id, image, 1, 4096, bed.edKey));
            assertTrue(outcome.success(), outcome.summary());
            bed.watcher.awaitState(mark, id, 1, OtaState.COMMITTED, TestBed.LONG);
            assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            assertFalse(agent.log().contains("PANIC"), agent.log());
            assertFalse(agent.log().contains("OutOfMemoryError"), agent.log());
        }
    }
}
