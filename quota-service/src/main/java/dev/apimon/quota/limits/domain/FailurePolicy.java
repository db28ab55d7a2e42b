package dev.apimon.quota.limits.domain;

/** What a limit kind does while Redis is unavailable. */
public enum FailurePolicy {
    /** allow, bounded by the replica's local in-memory limiter */
    OPEN,
    /** deny (answered as RATE_LIMITED with Retry-After, so clients back off and retry) */
    CLOSED
}
