package dev.apimon.quota.limits.domain;

import java.util.List;

/**
 * Everything one check asks the limiter to decide together: every rate limit of the plan and, when the plan has a
 * quota on the check's meter, that quota. All conform → all are consumed; any denies → nothing is consumed.
 *
 * @param idempotencyKey counter key that marks a recorded request id as already counted (null: no dedup)
 */
public record LimitRequest(String customerId, String env, long nowMicros, long cost, List<Rate> rates, Quota quota,
                           String idempotencyKey) {

    public record Rate(String name, String counterKey, Gcra gcra) {
    }

    /**
     * @param alertKey the period's threshold markers: a hash whose fields "80:limit" / "100:limit" are set once (HSETNX)
     */
    public record Quota(QuotaSpec spec, String counterKey, BillingPeriod period, String alertKey) {
        public long threshold(int percent) {
            return QuotaThresholds.units(spec.limit(), percent);
        }
    }

    public boolean hasQuota() {
        return quota != null;
    }
}
