package dev.apimon.usage.meters.domain;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.SortedMap;

/**
 * A meter definition. {@code groupBy} maps a group name to the JSONPath of its value in event data;
 * {@code filterJson} is kept as given (for the API) next to its parsed form. {@code createdSeq} is the raw log's
 * last seq when the meter was created (null before it is stored, and for meters from before it was recorded): the
 * meter counts the events appended after it.
 */
public record Meter(String slug, String eventType, Aggregation aggregation, JsonPath valueProperty,
                    SortedMap<String, JsonPath> groupBy, JsonNode filterJson, MeterFilter filter,
                    Instant createdAt, Instant updatedAt, Long createdSeq) {

    /** No backfill: whether the event appended to the raw log at {@code seq} is one this meter counts. */
    public boolean counts(long seq) {
        return createdSeq == null || seq > createdSeq;
    }

    /** Same definition (ignoring timestamps): a repeated create of an identical meter is not a conflict. */
    public boolean sameDefinition(Meter o) {
        return slug.equals(o.slug) && eventType.equals(o.eventType) && aggregation == o.aggregation
                && java.util.Objects.equals(valueProperty, o.valueProperty) && groupBy.equals(o.groupBy)
                && java.util.Objects.equals(filterJson, o.filterJson);
    }
}
