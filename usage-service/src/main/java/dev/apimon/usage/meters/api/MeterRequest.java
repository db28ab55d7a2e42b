package dev.apimon.usage.meters.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** Body of POST /v1/meters and PUT /v1/meters/{slug}. */
public record MeterRequest(String slug, String eventType, String aggregation, String valueProperty,
                           Map<String, String> groupBy, JsonNode filter) {
}
