package io.reizi.agent.mqtt.client;

/** A request the session could not carry out, and why in a word a caller can act on. */
public final class MqttSessionException extends Exception {
    public enum Reason {
        /** There is no connection right now (the session may be reconnecting). */
        NOT_CONNECTED,
        /** The client's window of unacknowledged publishes is full: try again after an acknowledgement. */
        IN_FLIGHT_FULL,
        /** The broker said no (bad credentials or certificate, not authorized, ...). */
        REFUSED,
        /** No answer in time. */
        TIMED_OUT,
        /** Anything else: the link failed, the client is closed. */
        FAILED
    }

    private final Reason reason;

    public MqttSessionException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
