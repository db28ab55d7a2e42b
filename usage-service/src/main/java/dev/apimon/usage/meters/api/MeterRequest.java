package dev.apimon.usage.meters.api;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Body of POST /v1/meters and PUT /v1/meters/{slug}. {@code unknown} collects fields it does not have: a misspelled
 * "filters" would otherwise make a meter without a filter that counts every event of its type.
 */
public record MeterRequest(String slug, String eventType, String aggregation, String valueProperty,
                           Map<String, String> groupBy, JsonNode filter,
                           @JsonAnySetter @Schema(hidden = true) Map<String, Object> unknown) {

    /** What GET answers besides the definition: a meter read, changed and PUT back carries them (they are ignored). */
    private static final Set<String> READ_ONLY = Set.of("created_at", "updated_at");

    /** 400 naming every field a meter does not have (checked before the definition itself). */
    public MeterRequest known() {
        if (unknown != null && !READ_ONLY.containsAll(unknown.keySet())) {
            List<FieldError> errors = new ArrayList<>();
            for (String name : unknown.keySet()) {
                if (READ_ONLY.contains(name)) {
                    continue;
                }
                errors.add(new FieldError(name, "is not a meter field (slug, event_type, aggregation, value_property, group_by, filter)"));
            }
            throw ProblemException.invalid(errors);
        }
        return this;
    }
}
