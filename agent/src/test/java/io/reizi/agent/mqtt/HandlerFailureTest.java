package io.reizi.agent.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonParseException;
import io.reizi.agent.mqtt.HandlerFailure.Blame;
import java.io.IOError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.AccessDeniedException;
import org.junit.jupiter.api.Test;

class HandlerFailureTest {
    @Test
    void whatTheMessageCausedIsTheInputsFault() {
        assertEquals(Blame.INPUT, HandlerFailure.blame(new StackOverflowError()));
        assertEquals(Blame.INPUT, HandlerFailure.blame(new IllegalArgumentException("bad length")));
        assertEquals(Blame.INPUT, HandlerFailure.blame(new ArrayIndexOutOfBoundsException(7)));
        assertEquals(Blame.INPUT, HandlerFailure.blame(new NullPointerException()));
        assertEquals(Blame.INPUT, HandlerFailure.blame(new AssertionError("unexpected")));
        assertEquals(Blame.INPUT, HandlerFailure.blame(new UncheckedIOException(new JsonParseException(null, "x"))));
        assertEquals(Blame.INPUT, HandlerFailure.blame(new IllegalStateException(new MalformedInputException(1))));
    }

    @Test
    void aBrokenAgentIsTheAgentsFault() {
        assertEquals(Blame.AGENT, HandlerFailure.blame(new BrokenAgentState("bitmap and state disagree")));
        assertEquals(Blame.AGENT, HandlerFailure.blame(new IllegalArgumentException(new BrokenAgentState("x"))));
        assertEquals(Blame.AGENT, HandlerFailure.blame(new OutOfMemoryError()));
        assertEquals(Blame.AGENT, HandlerFailure.blame(new InternalError()));
        assertEquals(Blame.AGENT, HandlerFailure.blame(new NoClassDefFoundError("x")));
        assertEquals(Blame.AGENT, HandlerFailure.blame(new UncheckedIOException(new IOException("No space left on device"))));
        assertEquals(Blame.AGENT, HandlerFailure.blame(new IllegalStateException(new AccessDeniedException("/data/state.json"))));
        assertEquals(Blame.AGENT, HandlerFailure.blame(new IOError(new IOException("EIO"))));
    }
}
