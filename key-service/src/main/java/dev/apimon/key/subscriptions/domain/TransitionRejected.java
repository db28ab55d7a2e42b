package dev.apimon.key.subscriptions.domain;

/** A transition the subscription's current state does not allow; {@code code} is the stable problem code. */
public class TransitionRejected extends RuntimeException {
    private final String code;

    public TransitionRejected(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
