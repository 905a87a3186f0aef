package io.reizi.runtime;

/** A hosted release could not be prepared, started or kept healthy; the message says which and why. */
public final class AppFailure extends Exception {
    /** Whose fault: the release's bytes (a bundle or jar that is not what it must be), or the app as it ran. */
    public enum Kind {
        /** The release is not a well-formed, contained bundle or jar: the contract's {@code malformed}. */
        MALFORMED_RELEASE,
        /** The release is well-formed but does not start or stay healthy: {@code health_check_failed}. */
        UNHEALTHY
    }

    private final Kind kind;

    public AppFailure(String message) {
        this(Kind.UNHEALTHY, message);
    }

    public AppFailure(String message, Throwable cause) {
        this(Kind.UNHEALTHY, message, cause);
    }

    private AppFailure(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    private AppFailure(Kind kind, String message, Throwable cause) {
        super(message + ": " + cause, cause);
        this.kind = kind;
    }

    public static AppFailure malformed(String message) {
        return new AppFailure(Kind.MALFORMED_RELEASE, message);
    }

    public static AppFailure malformed(String message, Throwable cause) {
        return new AppFailure(Kind.MALFORMED_RELEASE, message, cause);
    }

    public Kind kind() {
        return kind;
    }
}
