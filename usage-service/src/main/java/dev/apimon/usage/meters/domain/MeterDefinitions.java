package dev.apimon.usage.meters.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.apimon.platform.json.StorableText;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Validates a meter definition; every problem is reported with the field it concerns. */
public final class MeterDefinitions {
    public static final Pattern SLUG = Pattern.compile("^[a-z][a-z0-9_]{0,62}$");
    static final Pattern GROUP_NAME = Pattern.compile("^[a-z][a-z0-9_]{0,62}$");
    static final int MAX_GROUPS = 10;

    /** One invalid field. */
    public record Violation(String field, String message) {
    }

    /** Thrown with every violation found. */
    public static final class InvalidMeter extends RuntimeException {
        private final List<Violation> violations;

        InvalidMeter(List<Violation> violations) {
            super(violations.toString());
            this.violations = List.copyOf(violations);
        }

        public List<Violation> violations() {
            return violations;
        }
    }

    private MeterDefinitions() {
    }

    /** A definition sent to the API: {@link #validate} plus the rules only new definitions must meet. */
    public static Meter validateNew(String slug, String eventType, String aggregation, String valueProperty,
                                    Map<String, String> groupBy, JsonNode filter, Instant now) {
        return validate(slug, eventType, aggregation, valueProperty, groupBy, filter, now, true);
    }

    /** A definition as stored; every problem is reported with its field. */
    public static Meter validate(String slug, String eventType, String aggregation, String valueProperty,
                                 Map<String, String> groupBy, JsonNode filter, Instant now) {
        return validate(slug, eventType, aggregation, valueProperty, groupBy, filter, now, false);
    }

    private static Meter validate(String slug, String eventType, String aggregation, String valueProperty,
                                  Map<String, String> groupBy, JsonNode filter, Instant now, boolean newDefinition) {
        List<Violation> v = new ArrayList<>();
        if (slug == null || !SLUG.matcher(slug).matches()) {
            v.add(new Violation("slug", "must be 1-63 characters: a lowercase letter, then lowercase letters, digits or _"));
        }
        if (eventType == null || eventType.isBlank()) {
            v.add(new Violation("event_type", "is required (the CloudEvent type this meter counts, e.g. api.request)"));
        } else if (eventType.length() > 200) {
            v.add(new Violation("event_type", "must be at most 200 characters"));
        } else if (StorableText.problem(eventType) != null) {
            v.add(new Violation("event_type", StorableText.problem(eventType)));
        }
        Aggregation agg = null;
        if (aggregation == null) {
            v.add(new Violation("aggregation", "is required: count, sum, max, min, unique_count or latest"));
        } else {
            agg = Aggregation.fromWire(aggregation).orElse(null);
            if (agg == null) {
                v.add(new Violation("aggregation", "must be count, sum, max, min, unique_count or latest"));
            }
        }
        JsonPath value = null;
        if (agg != null && agg.needsValue()) {
            if (valueProperty == null) {
                v.add(new Violation("value_property", "is required for a " + agg.wire() + " meter (e.g. $.bytes)"));
            }
        } else if (agg == Aggregation.COUNT && valueProperty != null) {
            v.add(new Violation("value_property", "a count meter counts events and takes no value_property"));
        }
        if (valueProperty != null && StorableText.problem(valueProperty) != null) {
            v.add(new Violation("value_property", StorableText.problem(valueProperty)));
        } else if (valueProperty != null && (agg == null || agg.needsValue())) {
            try {
                value = JsonPath.parse(valueProperty);
            } catch (IllegalArgumentException e) {
                v.add(new Violation("value_property", e.getMessage()));
            }
        }
        TreeMap<String, JsonPath> groups = new TreeMap<>();
        if (groupBy != null) {
            if (groupBy.size() > MAX_GROUPS) {
                v.add(new Violation("group_by", "at most " + MAX_GROUPS + " groups"));
            }
            for (Map.Entry<String, String> g : groupBy.entrySet()) {
                if (!GROUP_NAME.matcher(g.getKey()).matches()) {
                    v.add(new Violation("group_by." + g.getKey(), "group names are lowercase letters, digits or _"));
                    continue;
                }
                if (g.getValue() != null && StorableText.problem(g.getValue()) != null) {
                    v.add(new Violation("group_by." + g.getKey(), StorableText.problem(g.getValue())));
                    continue;
                }
                try {
                    groups.put(g.getKey(), JsonPath.parse(g.getValue()));
                } catch (IllegalArgumentException e) {
                    v.add(new Violation("group_by." + g.getKey(), e.getMessage()));
                }
            }
        }
        JsonNode filterJson = filter == null || filter.isNull() ? JsonNodeFactory.instance.objectNode() : filter;
        MeterFilter parsedFilter = MeterFilter.NONE;
        try {
            String unstorable = StorableText.problem(filterJson);
            if (unstorable != null) {
                throw new IllegalArgumentException(unstorable);
            }
            parsedFilter = MeterFilter.parse(filterJson, newDefinition);
        } catch (IllegalArgumentException e) {
            v.add(new Violation("filter", e.getMessage()));
        }
        if (!v.isEmpty()) {
            throw new InvalidMeter(v);
        }
        return new Meter(slug, eventType, agg, value, groups, filterJson, parsedFilter, now, now, null);
    }
}
