package dev.apimon.usage.aggregation.domain;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A bucket's stored state. {@code latestTime}/{@code latestSeq} identify the event whose value a latest meter
 * holds (event time first, then log order), so a late event never overwrites a newer one.
 * {@code version} grows by one with every change of {@code value}.
 */
public record BucketState(BigDecimal value, long eventCount, Instant latestTime, long latestSeq, long version) {
}
