package dev.apimon.usage.aggregation.domain;

import java.time.Instant;
import java.util.Comparator;

/** One hourly bucket: (customer, meter, env, hour, group). Sorted so that rows are always locked in one order. */
public record BucketKey(String customerId, String meter, String env, Instant windowStart, String groupKey)
        implements Comparable<BucketKey> {
    private static final Comparator<BucketKey> ORDER = Comparator.comparing(BucketKey::customerId)
            .thenComparing(BucketKey::meter).thenComparing(BucketKey::env)
            .thenComparing(BucketKey::windowStart).thenComparing(BucketKey::groupKey);

    @Override
    public int compareTo(BucketKey o) {
        return ORDER.compare(this, o);
    }
}
