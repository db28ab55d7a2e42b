package dev.apimon.quota.checks.domain;

/** The decision codes of the quota-check contract (ARCHITECTURE.md). */
public enum DecisionCode {
    VALID, INVALID_KEY, EXPIRED, REVOKED, SUSPENDED, FORBIDDEN, RATE_LIMITED, QUOTA_EXCEEDED;

    /** The status /v1/authorize answers gateways with. */
    public int httpStatus() {
        return switch (this) {
            case VALID -> 200;
            case INVALID_KEY, EXPIRED, REVOKED -> 401;
            case SUSPENDED, FORBIDDEN -> 403;
            case RATE_LIMITED, QUOTA_EXCEEDED -> 429;
        };
    }
}
