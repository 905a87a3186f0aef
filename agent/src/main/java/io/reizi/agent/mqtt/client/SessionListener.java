package io.reizi.agent.mqtt.client;

/**
 * What a session tells its user. Every call comes on the session's one callback thread, in the order the
 * events happened (a message is acknowledged to the broker when {@link #message} returns), so what is called
 * here must not block on the session's own answers. Defaults do nothing.
 */
public interface SessionListener {
    /** Connected; {@code reconnect}: the session had been connected before (the broker may have kept it). */
    default void connected(boolean reconnect) {}

    /** The connection is lost; {@code reason} says why, for the log. The session reconnects if so configured. */
    default void disconnected(String reason) {}

    /** A message on a subscribed topic; {@code retained}: the broker kept it from before this subscription. */
    default void message(String topic, byte[] payload, boolean retained) {}
}
