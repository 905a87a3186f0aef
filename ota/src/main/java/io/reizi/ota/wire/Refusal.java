package io.reizi.ota.wire;

/** A contract-level refusal: the status `error` code plus a detail for people. */
public final class Refusal extends Exception {
    private final ErrorCode code;

    public Refusal(ErrorCode code, String detail) {
        super(detail);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
