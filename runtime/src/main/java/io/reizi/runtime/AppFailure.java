package io.reizi.runtime;

/** A hosted release could not be prepared, started or kept healthy; the message says which and why. */
public final class AppFailure extends Exception {
    public AppFailure(String message) {
        super(message);
    }

    public AppFailure(String message, Throwable cause) {
        super(message + ": " + cause, cause);
    }
}
