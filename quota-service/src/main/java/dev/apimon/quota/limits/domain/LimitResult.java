package dev.apimon.quota.limits.domain;

/**
 * The limiter's answer for one {@link LimitRequest}.
 *
 * @param tatDeltas per rate limit (request order): TAT minus now in microseconds after the decision
 * @param quotaUsed the quota counter after the decision (0 without a quota)
 * @param source    who decided: Redis, the local fail-open limiter, or the fail-closed policy
 * @param closedKind when source is CLOSED, the limit kind whose policy denied ("rate" or "quota")
 */
public record LimitResult(boolean allowed, boolean duplicate, long[] tatDeltas, long quotaUsed, boolean alert80,
                          boolean alert100, Source source, String closedKind) {

    public enum Source { REDIS, LOCAL, CLOSED }

    public boolean degraded() {
        return source != Source.REDIS;
    }
}
