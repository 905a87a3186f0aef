package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publisher;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The message-handler boundary: whatever a message makes a handler throw (here a stack overflow from deeply
 * nested CBOR, wherever the decoders stand) is a refusal with an error code, never a panic; the agent stays
 * up, its release untouched, and the next good update commits.
 */
class HandlerBoundaryTest {
    @TempDir
    Path dir;

    /** {@code 0x81} (an array of one) {@code depth} times around the integer 1: about {@code depth} bytes. */
    static byte[] nested(int depth) {
        byte[] b = new byte[depth + 1];
        Arrays.fill(b, 0, depth, (byte) 0x81);
        b[depth] = 0x01;
        return b;
    }

    /** A COSE_Sign1 (tag 18) whose payload is {@code payload}, with a signature that cannot verify. */
    static byte[] unsignedCose(byte[] payload) throws Exception {
        byte[] protectedEdDsa = {(byte) 0xA1, 0x01, 0x27}; // {1: -8}
        byte[] body = RawMqtt.CBOR.writeValueAsBytes(java.util.List.of(protectedEdDsa, java.util.Map.of(), payload, new byte[64]));
        byte[] tagged = new byte[body.length + 1];
        tagged[0] = (byte) 0xD2;
        System.arraycopy(body, 0, tagged, 1, body.length);
        return tagged;
    }

    @Test
    void deeplyNestedMessagesAreRefusedNotPanickedOn() throws Exception {
        AgentProcess agent = null;
        try (TestBed bed = new TestBed(dir); RawMqtt raw = new RawMqtt(bed.broker.url())) {
            String id = "nested";
            // The thread stack the shipped launcher (dist/reizi) gives: where the shallow nestings overflow it.
            agent = new AgentProcess(id, bed.broker.url(), bed.dataDir(id), bed.trust,
                    TestBed.logs().resolve(id + ".log")).env("JAVA_TOOL_OPTIONS", "-Xss256k");
            agent.start().awaitReady();
            // Just under the CBOR parser's own limit (1000) is where a recursive decoder overflows the stack.
            for (int depth : new int[] {900, 999, 5_000, 100_000}) {
                for (byte[] manifest : new byte[][] {nested(depth), unsignedCose(nested(depth))}) {
                    int mark = bed.watcher.mark();
                    raw.manifest(id, manifest);
                    Status refused = bed.watcher.await(mark, id, s -> s.state() == OtaState.FAILED, TestBed.LONG);
                    // Unsigned: refused for its signature before its payload is read, or as malformed.
                    assertTrue(java.util.Set.of(ErrorCode.MALFORMED, ErrorCode.BAD_SIGNATURE).contains(refused.error()),
                            "depth " + depth + ": " + refused.error() + " " + refused.detail());
                }
            }

            // The same on the chunk topic, in the middle of a download.
            Path image = bed.image("img", 64 * 1024, 51);
            byte[] bytes = Files.readAllBytes(image);
            int mark = bed.watcher.mark();
            raw.manifest(id, RawMqtt.sign(RawMqtt.fields(image, 1, 1024), bed.edKey));
            bed.watcher.await(mark, id, s -> s.need() != null, TestBed.LONG);
            raw.chunks(id, 1, bytes, 1024, 0, 20);
            for (int depth : new int[] {900, 950, 999, 5_000, 100_000}) {
                for (int i = 0; i < 6; i++) raw.chunk(id, nested(depth));
            }
            raw.chunks(id, 1, bytes, 1024, 20, 64);
            bed.watcher.awaitState(mark, id, 1, OtaState.COMMITTED, TestBed.LONG);
            assertArrayEquals(bytes, Files.readAllBytes(bed.dataDir(id).resolve("current/image")));

            assertFalse(agent.log().contains("PANIC"), agent.log());
            assertTrue(agent.isAlive());
            Path next = bed.image("img2", 32 * 1024, 52);
            Publisher.Outcome outcome = bed.publish(bed.release(id, next, 2, 1024, bed.edKey));
            assertTrue(outcome.success(), outcome.summary());
        } finally {
            if (agent != null) agent.close();
        }
    }
}
