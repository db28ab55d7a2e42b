package dev.apimon.usage.aggregation.domain;

import dev.apimon.usage.meters.domain.Aggregation;
import dev.apimon.usage.meters.domain.JsonValues;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The aggregation math of hourly buckets: exact decimals, no framework, no database. */
public final class BucketMath {
    private BucketMath() {
    }

    /** One event's contribution, used when a bucket is recomputed from the log (after a correction). */
    public record Contribution(BigDecimal number, String distinct, Instant time, long seq) {
    }

    /** Whether (time, seq) is after (otherTime, otherSeq): event time first, then log order breaks ties. */
    public static boolean newer(Instant time, long seq, Instant otherTime, long otherSeq) {
        if (otherTime == null) {
            return true;
        }
        int c = time.compareTo(otherTime);
        return c > 0 || (c == 0 && seq > otherSeq);
    }

    /**
     * The state after applying a batch's delta to the stored state ({@code old} null for a new bucket).
     * {@code newDistinct} is how many of the delta's distinct values the bucket did not hold yet (unique_count).
     */
    public static BucketState apply(BucketState old, BucketDelta d, long newDistinct) {
        BigDecimal oldValue = old == null ? null : old.value();
        long oldCount = old == null ? 0 : old.eventCount();
        boolean hadData = oldCount > 0;
        Instant lt = old == null ? null : old.latestTime();
        long ls = old == null ? -1 : old.latestSeq();
        BigDecimal value = switch (d.aggregation()) {
            case COUNT, SUM -> zeroIfNull(oldValue).add(d.sum());
            case MAX -> !hadData || d.max().compareTo(oldValue) > 0 ? d.max() : oldValue;
            case MIN -> !hadData || d.min().compareTo(oldValue) < 0 ? d.min() : oldValue;
            case UNIQUE_COUNT -> zeroIfNull(oldValue).add(BigDecimal.valueOf(newDistinct));
            case LATEST -> {
                if (!hadData || newer(d.latestTime(), d.latestSeq(), lt, ls)) {
                    lt = d.latestTime();
                    ls = d.latestSeq();
                    yield d.latestValue();
                }
                yield oldValue;
            }
        };
        return next(old, JsonValues.canonical(value), oldCount + d.events(), lt, ls);
    }

    /** The state of a bucket recomputed from all its effective events (zero events: value 0, count 0). */
    public static BucketState recompute(Aggregation a, BucketState old, List<Contribution> events) {
        BigDecimal value = BigDecimal.ZERO;
        Instant lt = null;
        long ls = -1;
        if (!events.isEmpty()) {
            switch (a) {
                case COUNT, SUM -> {
                    for (Contribution c : events) {
                        value = value.add(c.number());
                    }
                }
                case MAX -> value = events.stream().map(Contribution::number).max(BigDecimal::compareTo).orElseThrow();
                case MIN -> value = events.stream().map(Contribution::number).min(BigDecimal::compareTo).orElseThrow();
                case UNIQUE_COUNT -> {
                    Set<String> distinct = new HashSet<>();
                    events.forEach(c -> distinct.add(c.distinct()));
                    value = BigDecimal.valueOf(distinct.size());
                }
                case LATEST -> {
                    for (Contribution c : events) {
                        if (newer(c.time(), c.seq(), lt, ls)) {
                            lt = c.time();
                            ls = c.seq();
                            value = c.number();
                        }
                    }
                }
            }
        }
        return next(old, JsonValues.canonical(value), events.size(), lt, ls);
    }

    private static BucketState next(BucketState old, BigDecimal value, long count, Instant lt, long ls) {
        long version = old == null ? 0 : old.version();
        // emptied or filled again with the same value is a change too: consumers must learn the hour has (no) data
        boolean changed = old == null || old.value() == null || old.value().compareTo(value) != 0
                || (old.eventCount() == 0) != (count == 0);
        return new BucketState(value, count, lt, ls, changed ? version + 1 : version);
    }

    /** Whether the new state's value differs from the old one (a delta must be published). */
    public static boolean valueChanged(BucketState old, BucketState now) {
        return old == null || now.version() != old.version();
    }

    private static BigDecimal zeroIfNull(BigDecimal v) {
        return v == null ? BigDecimal.ZERO : v;
    }
}
