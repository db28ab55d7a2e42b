package dev.apimon.usage.meters.domain;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one event contributes to one meter: nothing (other type or filtered out), a contribution (group values
 * and the value), or an error (the event cannot be measured, e.g. a sum meter without a numeric value).
 */
public sealed interface MeterReading {

    record Skip() implements MeterReading {
    }

    /** {@code number} for count/sum/max/min/latest (1 for count); {@code distinct} for unique_count. */
    record Contribution(SortedMap<String, String> group, BigDecimal number, String distinct) implements MeterReading {
    }

    record Invalid(String reason) implements MeterReading {
    }

    Skip SKIP = new Skip();

    String NUMERIC_RANGE = " (at most " + JsonValues.MAX_INTEGER_DIGITS + " digits before the point and "
            + JsonValues.MAX_DECIMALS + " after it)";

    /** Whether checking an event for this meter needs its data (a count meter without filter and groups does not). */
    static boolean readsData(Meter m) {
        return m.aggregation().needsValue() || !m.filter().isEmpty() || !m.groupBy().isEmpty();
    }

    /** Why the meter cannot measure this event, or null (the ingest check). */
    static String problem(Meter m, String eventType, JsonNode data) {
        if (!m.groupBy().isEmpty() || m.aggregation() == Aggregation.UNIQUE_COUNT) {
            // group and distinct values become index keys: their lengths are checked on the values read() computes
            return read(m, eventType, data, true) instanceof Invalid invalid ? invalid.reason() : null;
        }
        if (!m.eventType().equals(eventType) || !m.filter().matches(data)) {
            return null;
        }
        // no groups to compute: count needs nothing more, the numeric aggregations their value
        return m.aggregation() == Aggregation.COUNT || JsonValues.decimal(m.valueProperty().read(data)) != null ? null
                : "meter '" + m.slug() + "' needs a numeric value at " + m.valueProperty() + NUMERIC_RANGE;
    }

    /** What the event contributes (the aggregator); Invalid also for group or distinct values no key can store ({@link KeyBounds}). */
    static MeterReading of(Meter m, String eventType, JsonNode data) {
        return read(m, eventType, data, false);
    }

    /** {@code ingest}: new events get the lower bounds on key values, with room to spare under what a key stores. */
    private static MeterReading read(Meter m, String eventType, JsonNode data, boolean ingest) {
        if (!m.eventType().equals(eventType) || !m.filter().matches(data)) {
            return SKIP;
        }
        SortedMap<String, String> group = new TreeMap<>();
        for (Map.Entry<String, JsonPath> g : m.groupBy().entrySet()) {
            group.put(g.getKey(), JsonValues.scalarText(g.getValue().read(data)));
        }
        String tooLong = KeyBounds.groupProblem(m, group, ingest);
        if (tooLong != null) {
            return new Invalid(tooLong);
        }
        return switch (m.aggregation()) {
            case COUNT -> new Contribution(group, BigDecimal.ONE, null);
            case UNIQUE_COUNT -> {
                String v = JsonValues.scalarText(m.valueProperty().read(data));
                if (v == null) {
                    yield new Invalid("meter '" + m.slug() + "' needs a value at " + m.valueProperty());
                }
                String problem = KeyBounds.valueProblem(m, group, v, ingest);
                yield problem != null ? new Invalid(problem) : new Contribution(group, null, v);
            }
            default -> {
                BigDecimal v = JsonValues.decimal(m.valueProperty().read(data));
                yield v == null
                        ? new Invalid("meter '" + m.slug() + "' needs a numeric value at " + m.valueProperty() + NUMERIC_RANGE)
                        : new Contribution(group, v, null);
            }
        };
    }
}
