package io.reizi.agent.mqtt;

/**
 * Thrown where code finds the agent's own state broken (an invariant of its own data, not of a message): at the
 * message-handler boundary it is a panic, never a refusal (see {@link HandlerFailure}).
 */
public final class BrokenAgentState extends RuntimeException {
    public BrokenAgentState(String message) {
        super(message);
    }
}
