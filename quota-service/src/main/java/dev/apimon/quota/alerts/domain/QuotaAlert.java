package dev.apimon.quota.alerts.domain;

import java.time.Instant;

/**
 * A quota threshold reached for the first time in a period (the billing.alerts payload, plus routing data).
 *
 * @param markerKey the Redis hash whose field {@code thresholdPercent:limit} (set by HSETNX) made this alert fire once
 *                  per period and limit
 */
public record QuotaAlert(String customerId, String env, String meter, int thresholdPercent, long used, long limit,
                         Instant periodStart, Instant at, String markerKey) {

    /** The alert as limits.lua recorded it in the pending set until Kafka acknowledges it. */
    public String pendingMember() {
        return markerKey + "|" + thresholdPercent + "|" + used + "|" + limit;
    }

    /**
     * Reads a pending-set member back ({@code apimon:al:{customer}:env:meter:periodStartEpoch|threshold|used|limit}),
     * or null if it is not one.
     */
    public static QuotaAlert fromPending(String member, Instant firedAt) {
        String[] parts = member.split("\\|");
        if (parts.length != 4) {
            return null;
        }
        String key = parts[0];
        int open = key.indexOf('{');
        int close = key.indexOf('}', open + 1);
        if (open < 0 || close < 0 || close + 1 >= key.length() || key.charAt(close + 1) != ':') {
            return null;
        }
        String[] rest = key.substring(close + 2).split(":");
        if (rest.length != 3) {
            return null;
        }
        try {
            return new QuotaAlert(key.substring(open + 1, close), rest[0], rest[1], Integer.parseInt(parts[1]), Long.parseLong(parts[2]),
                    Long.parseLong(parts[3]), Instant.ofEpochSecond(Long.parseLong(rest[2])), firedAt, key);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Stable across replicas and retries, so consumers deduplicate a re-sent alert; the limit is part of it, so the
     * alerts of a limit changed mid-period are new ones.
     */
    public String eventId() {
        return "quota-threshold:" + customerId + ":" + env + ":" + meter + ":" + periodStart.getEpochSecond() + ":" + thresholdPercent
                + ":" + limit;
    }
}
