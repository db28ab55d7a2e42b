package dev.apimon.quota.limits.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Redis key names. The customer id sits in a {hash tag} so every counter of one check lands in the same slot. (A
 * batch of checks spans customers, so the batched script needs one primary; on Redis Cluster batches would have to
 * be split per slot.)
 */
public final class CounterKeys {
    private static final String PREFIX = "apimon:";
    /** Alerts the script fired that Kafka has not acknowledged yet (a sorted set; see limits.lua). */
    public static final String PENDING_ALERTS = PREFIX + "al:pending";
    /** A quota counter (and its alert markers) outlives its period by this much: late checks, operators. */
    public static final long QUOTA_GRACE_MILLIS = 24 * 3600 * 1000L;
    private static final String QUOTA_PREFIX = PREFIX + "qt:";

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
        return QUOTA_PREFIX + "{" + customerId + "}:" + env + ":" + meter + ":" + period.start().getEpochSecond();
    }

    /**
     * The marker of one write-back of locally allowed units to a quota counter (same hash tag as the counter): the
     * write-back script adds its units only when it creates the marker, so a resent write-back adds nothing again.
     */
    public static String writeBack(String quotaCounterKey, String writeBackId) {
        return PREFIX + "wb:" + quotaCounterKey.substring(QUOTA_PREFIX.length()) + ":" + writeBackId;
    }

    /** The period's threshold markers (one hash, a field per threshold). */
    public static String alerts(String customerId, String env, String meter, BillingPeriod period) {
        return PREFIX + "al:{" + customerId + "}:" + env + ":" + meter + ":" + period.start().getEpochSecond();
    }

    /**
     * The marker of a recorded check's request id, remembered so that a retry of the same check is not counted again.
     * It names the check, not only the id: a retry repeats the whole check, so the customer (hash tag), env, the usage
     * events' source, and a digest of the key, operation, meter and cost are part of it. The same id from another
     * customer, another key, or for another operation, meter or cost is another request and is counted as one - a
     * marker of the id alone would answer it as a free duplicate. (usage-service keeps one event per customer, source
     * and id, so such a reuse is billed once: request ids must be unique per request.)
     */
    public static String request(String customerId, String env, String requestId, String source, String keyId, String operation,
                                 String meter, long cost) {
        return PREFIX + "rq:{" + customerId + "}:" + env + ":" + requestId + ":"
                + checkDigest(source, keyId, operation, meter, cost);
    }

    /** One digest per thread: checks run on the event loops, and getInstance per check showed as garbage. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    /** 128 bits of SHA-256 over the fields, each length-prefixed (no two field lists read the same). */
    static String checkDigest(String source, String keyId, String operation, String meter, long cost) {
        MessageDigest sha = SHA256.get();
        sha.reset();
        update(sha, source);
        update(sha, keyId);
        update(sha, operation);
        update(sha, meter);
        update(sha, Long.toString(cost));
        return HexFormat.of().formatHex(sha.digest(), 0, 16);
    }

    private static void update(MessageDigest sha, String field) {
        byte[] b = field.getBytes(StandardCharsets.UTF_8);
        int n = b.length;
        sha.update((byte) (n >>> 24));
        sha.update((byte) (n >>> 16));
        sha.update((byte) (n >>> 8));
        sha.update((byte) n);
        sha.update(b);
    }
}
