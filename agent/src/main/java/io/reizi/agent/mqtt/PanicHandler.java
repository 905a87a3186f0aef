package io.reizi.agent.mqtt;

/** Who takes over when the agent's own state is broken (the guardian): recover or exit to be restarted. */
@FunctionalInterface
public interface PanicHandler {
    void panic(String cause, Throwable error);
}
