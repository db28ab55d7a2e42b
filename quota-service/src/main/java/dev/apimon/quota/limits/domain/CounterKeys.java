package dev.apimon.quota.limits.domain;

/**
 * Redis key names. The customer id sits in a {hash tag} so every counter of one check lands in the same slot. (A
 * batch of checks spans customers, so the batched script needs one primary; on Redis Cluster batches would have to
 * be split per slot.)
 */
public final class CounterKeys {
    private static final String PREFIX = "apimon:";

    private CounterKeys() {
    }

    public static String rate(String customerId, String env, String limitName) {
        return PREFIX + "rl:{" + customerId + "}:" + env + ":" + limitName;
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
