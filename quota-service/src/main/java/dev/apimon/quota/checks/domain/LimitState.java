package dev.apimon.quota.checks.domain;

import java.time.Instant;

/**
 * The state of one limit after a check. Rate limits fill name/resetSeconds; quotas fill meter/used/resetAt/
 * enforcement. {@code denied} marks the limit(s) that refused the check.
 */
public record LimitState(String kind, String name, String meter, long limit, Long used, long remaining,
                         long resetSeconds, Instant resetAt, String enforcement, long windowSeconds, boolean overQuota,
                         boolean denied, long retryAfterSeconds) {
    public static final String RATE = "rate";
    public static final String QUOTA = "quota";

    public String policyName() {
        return RATE.equals(kind) ? name : meter;
    }
}
