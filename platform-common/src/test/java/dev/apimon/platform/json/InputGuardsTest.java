package dev.apimon.platform.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a bound request body refuses, and which field the refusal names (the path ProblemMappers turns into the 400). */
class InputGuardsTest {
    record Item(String name, BigDecimal amount, Instant at, OffsetDateTime since, Map<String, String> labels, List<String> tags) {
    }

    static final ObjectMapper JSON = new RequestBodyMapper(JsonConventions.apply(new ObjectMapper().registerModule(new JavaTimeModule())))
            .getContext(Object.class);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"name\": \"Acme \\u00e9 \\ud83d\\ude00\", \"amount\": \"12.50\", \"at\": \"2026-11-22T00:00:00Z\"} | -",
            "{\"amount\": 123456789012345678901234567890.123456789012345678}             | -",
            "{\"at\": \"0001-01-01T00:00:00Z\", \"since\": \"9999-12-31T23:59:59Z\"}     | -",
            "{\"name\": \"Acme\\u0000\"}                                               | name",
            "{\"name\": \"cut \\ud83d\"}                                                | name",
            "{\"labels\": {\"team\": \"a\\u0000\"}}                                     | labels.team",
            "{\"tags\": [\"ok\", \"\\udc00\"]}                                          | tags[1]",
            "{\"amount\": \"1e1000000000\"}                                            | amount",
            "{\"amount\": 1e31}                                                       | amount",
            "{\"amount\": \"0.0000000000000000001\"}                                   | amount",
            "{\"at\": \"+999999999-12-31T00:00:00Z\"}                                  | at",
            "{\"since\": \"-000001-01-01T00:00:00Z\"}                                   | since"})
    void refusesPerField(String body, String field) throws Exception {
        if (field.equals("-")) {
            JSON.readValue(body, Item.class);
            return;
        }
        JsonMappingException e = assertThrows(JsonMappingException.class, () -> JSON.readValue(body, Item.class));
        String path = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse("");
        assertEquals(field, path, e.getOriginalMessage());
    }
}
