package dev.apimon.quota.alerts.domain;

import java.time.Instant;

/**
 * A quota threshold reached for the first time in a period (the billing.alerts payload, plus routing data).
 *
 * @param markerKey the Redis hash whose field {@code thresholdPercent} (set by HSETNX) made this alert fire once; the
 *                  field is deleted if publishing fails so a later check fires it again
 */
public record QuotaAlert(String customerId, String env, String meter, int thresholdPercent, long used, long limit,
                         Instant periodStart, Instant at, String markerKey) {

    /** Stable across replicas and retries, so consumers deduplicate a re-sent alert. */
    public String eventId() {
        return "quota-threshold:" + customerId + ":" + env + ":" + meter + ":" + periodStart.getEpochSecond() + ":" + thresholdPercent;
    }
}
