package dev.apimon.quota.limits.domain;

/** What a limit kind does while Redis is unavailable. */
public enum FailurePolicy {
    /** allow, bounded by the replica's local in-memory limiter */
    OPEN,
    /** deny (answered as RATE_LIMITED with Retry-After, so clients back off and retry) */
    CLOSED;

    /**
     * Which limit kind's policy denies a check while Redis is unavailable ("rate" or "quota"), or null when the
     * check goes to the local limiter. A check is denied as soon as one of the kinds it has is closed.
     */
    public static String denyingKind(boolean hasRates, boolean hasQuota, FailurePolicy rate, FailurePolicy quota) {
        if (hasRates && rate == CLOSED) {
            return "rate";
        }
        if (hasQuota && quota == CLOSED) {
            return "quota";
        }
        return null;
    }
}
