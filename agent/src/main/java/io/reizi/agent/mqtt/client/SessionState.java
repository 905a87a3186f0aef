package io.reizi.agent.mqtt.client;

/** Where a session is. */
public enum SessionState {
    /** Not connected yet, or a connect attempt failed: the first connect is (re)tried. */
    CONNECTING,
    CONNECTED,
    /** Lost after a connect: reconnecting on its own (supervised, see the implementation). */
    RECONNECTING,
    CLOSED
}
