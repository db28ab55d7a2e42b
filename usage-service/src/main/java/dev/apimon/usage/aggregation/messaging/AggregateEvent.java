package dev.apimon.usage.aggregation.messaging;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * The {@code usage.aggregates} payload (docs/events.md): an hour bucket's current value; {@code version} grows
 * with each change, so a consumer keeps the highest version per (customer, meter, env, window, group).
 * {@code group} is the bucket's canonical group JSON (an object of strings or nulls), embedded as is.
 * {@code events} is how many events the bucket holds: 0 when corrections voided or moved them all, and then
 * {@code value} (0) is no reading — a max, min or latest consumer must skip the hour, not take 0.
 */
public record AggregateEvent(String customerId, String meter, String aggregation, Instant windowStart, Instant windowEnd,
                             @JsonRawValue String group, BigDecimal value, long version, String env, long events) {
    public static final String TYPE = "com.apimon.usage.aggregate";
}
