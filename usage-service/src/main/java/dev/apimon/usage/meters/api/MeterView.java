package dev.apimon.usage.meters.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.usage.meters.domain.JsonPath;
import dev.apimon.usage.meters.domain.Meter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A meter as the API shows it. */
public record MeterView(String slug, String eventType, String aggregation, String valueProperty,
                        Map<String, String> groupBy, JsonNode filter, Instant createdAt, Instant updatedAt) {

    public static MeterView of(Meter m) {
        Map<String, String> groups = new LinkedHashMap<>();
        for (Map.Entry<String, JsonPath> e : m.groupBy().entrySet()) {
            groups.put(e.getKey(), e.getValue().toString());
        }
        return new MeterView(m.slug(), m.eventType(), m.aggregation().wire(),
                m.valueProperty() == null ? null : m.valueProperty().toString(), groups, m.filterJson(),
                m.createdAt(), m.updatedAt());
    }
}
