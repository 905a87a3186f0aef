package io.reizi.agent.mqtt;

import java.io.IOError;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;

/**
 * The rule at the message-handler boundary: whose fault is a {@link Throwable} a handler threw?
 *
 * <p>Only a broken agent is a panic: a {@link BrokenAgentState} anywhere in the causes, the JVM itself failing ({@link VirtualMachineError} such as
 * {@link OutOfMemoryError}, except {@link StackOverflowError}), our own code not loading ({@link LinkageError}),
 * or I/O of the agent's own files failing (an {@link IOException} or {@link IOError} anywhere in the causes,
 * except a parse error of the message's bytes). Everything else came from the input: a stack overflow is deep
 * nesting in the message, a runtime exception is a message our decoders did not anticipate. Those are refused
 * with an error code, like every bad input; the next message is handled as usual.
 */
public final class HandlerFailure {
    public enum Blame {
        /** The message: refuse it, log it, carry on. */
        INPUT,
        /** The agent's own state: panic (recover or exit to be restarted). */
        AGENT
    }

    private HandlerFailure() {}

    public static Blame blame(Throwable t) {
        if (t instanceof StackOverflowError) return Blame.INPUT;
        if (t instanceof VirtualMachineError || t instanceof LinkageError) return Blame.AGENT;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof BrokenAgentState || c instanceof IOError || c instanceof IOException && !isParse(c)) return Blame.AGENT;
        }
        return Blame.INPUT;
    }

    /** Decoding the message's bytes (Jackson's parse and mapping errors, bad text encodings) is not our I/O. */
    private static boolean isParse(Throwable t) {
        return t instanceof com.fasterxml.jackson.core.JacksonException || t instanceof CharacterCodingException;
    }
}
