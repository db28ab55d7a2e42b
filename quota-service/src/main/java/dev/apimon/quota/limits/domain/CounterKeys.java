package dev.apimon.quota.limits.domain;

/**
 * Redis key names. The customer id sits in a {hash tag} so every counter of one check lands in the same slot. (A
 * batch of checks spans customers, so the batched script needs one primary; on Redis Cluster batches would have to
 * be split per slot.)
 */
public final class CounterKeys {
    private static final String PREFIX = "apimon:";
    /** Alerts the script fired that Kafka has not acknowledged yet (a sorted set; see limits.lua). */
    public static final String PENDING_ALERTS = PREFIX + "al:pending";

    private CounterKeys() {
    }

    /**
     * A rate limit's state (its TAT) belongs to the limit as defined: a plan change to another limit or window under
     * the same name starts from a fresh state. Kept under the name alone, a TAT earned under 100/hour (up to an hour
     * ahead) would deny every check under a new 100/minute until that hour had passed.
     */
    public static String rate(String customerId, String env, String limitName, Gcra gcra) {
        return PREFIX + "rl:{" + customerId + "}:" + env + ":" + limitName + ":" + gcra.limit() + "/" + gcra.windowMicros();
    }

    public static String quota(String customerId, String env, String meter, BillingPeriod period) {
        return PREFIX + "qt:{" + customerId + "}:" + env + ":" + meter + ":" + period.start().getEpochSecond();
    }

    /** The period's threshold markers (one hash, a field per threshold). */
    public static String alerts(String customerId, String env, String meter, BillingPeriod period) {
        return PREFIX + "al:{" + customerId + "}:" + env + ":" + meter + ":" + period.start().getEpochSecond();
    }

    public static String request(String customerId, String env, String requestId) {
        return PREFIX + "rq:{" + customerId + "}:" + env + ":" + requestId;
    }
}
