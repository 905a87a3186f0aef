package io.reizi.agent.mqtt;

import io.reizi.ota.wire.ErrorCode;

/** Where the link delivers: the agent's side of the session. Called on the session's callback thread, one at a time. */
public interface Inbox {
    /** After every (re)connect, once subscribed. */
    void onConnected();

    /** After the link to the broker is lost (it reconnects on its own). */
    void onDisconnected();

    /** The broker acknowledged a status: at this moment the link carries both ways. */
    void onStatusDelivered();

    /** A manifest, or the chunk index on the {@code /index} topic beside it (contract 1.1). */
    void onManifest(String topic, byte[] payload);

    void onChunk(byte[] payload);

    /**
     * A message whose handling failed because of what it held ({@link HandlerFailure.Blame#INPUT}): refuse it
     * with {@code code} and say why, as for any other bad input.
     */
    void refuse(String topic, ErrorCode code, String detail);
}
