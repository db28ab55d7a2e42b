package dev.apimon.usage.aggregation.domain;

import dev.apimon.usage.meters.domain.Aggregation;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.SortedMap;

/** Everything a batch of events contributes to one bucket, folded in memory before touching the database. */
public final class BucketDelta {
    private final Aggregation aggregation;
    private final SortedMap<String, String> group;
    private BigDecimal sum = BigDecimal.ZERO;
    private BigDecimal max;
    private BigDecimal min;
    private BigDecimal latestValue;
    private Instant latestTime;
    private long latestSeq = -1;
    private final Set<String> distinct = new LinkedHashSet<>();
    private long events;

    public BucketDelta(Aggregation aggregation, SortedMap<String, String> group) {
        this.aggregation = aggregation;
        this.group = group;
    }

    /** Adds one event's contribution; {@code time}/{@code seq} order events for latest meters. */
    public void add(BigDecimal number, String distinctValue, Instant time, long seq) {
        events++;
        switch (aggregation) {
            case COUNT, SUM -> sum = sum.add(number);
            case MAX -> max = max == null || number.compareTo(max) > 0 ? number : max;
            case MIN -> min = min == null || number.compareTo(min) < 0 ? number : min;
            case LATEST -> {
                if (BucketMath.newer(time, seq, latestTime, latestSeq)) {
                    latestTime = time;
                    latestSeq = seq;
                    latestValue = number;
                }
            }
            case UNIQUE_COUNT -> distinct.add(distinctValue);
        }
    }

    public Aggregation aggregation() {
        return aggregation;
    }

    public SortedMap<String, String> group() {
        return group;
    }

    public BigDecimal sum() {
        return sum;
    }

    public BigDecimal max() {
        return max;
    }

    public BigDecimal min() {
        return min;
    }

    public BigDecimal latestValue() {
        return latestValue;
    }

    public Instant latestTime() {
        return latestTime;
    }

    public long latestSeq() {
        return latestSeq;
    }

    public Set<String> distinct() {
        return distinct;
    }

    public long events() {
        return events;
    }
}
