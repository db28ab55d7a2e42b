package dev.apimon.usage.meters.domain;

import static dev.apimon.usage.meters.domain.JsonPathTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeterReadingTest {
    static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

    static Meter meter(String agg, String value, Map<String, String> groups, String filter) throws Exception {
        return MeterDefinitions.validate("m_" + agg, "api.request", agg, value, groups, filter == null ? null : json(filter), NOW);
    }

    @Test
    void sumReadsExactDecimalsFromNumbersAndNumericStrings() throws Exception {
        Meter m = meter("sum", "$.gb", Map.of("region", "$.region"), null);
        var r = (MeterReading.Contribution) MeterReading.of(m, "api.request", json("{\"gb\": 0.1, \"region\": \"eu\"}"));
        assertEquals("0.1", r.number().toPlainString());
        assertEquals(Map.of("region", "eu"), r.group());
        var s = (MeterReading.Contribution) MeterReading.of(m, "api.request", json("{\"gb\": \"12.50\"}"));
        assertEquals(0, s.number().compareTo(new java.math.BigDecimal("12.5")));
        assertTrue(s.group().containsKey("region") && s.group().get("region") == null, "a missing group value is null");
    }

    @Test
    void nonNumericValuesAreInvalidForNumericMeters() throws Exception {
        for (String agg : new String[] {"sum", "max", "min", "latest"}) {
            Meter m = meter(agg, "$.gb", Map.of(), null);
            assertInstanceOf(MeterReading.Invalid.class, MeterReading.of(m, "api.request", json("{\"gb\": \"lots\"}")), agg);
            assertInstanceOf(MeterReading.Invalid.class, MeterReading.of(m, "api.request", json("{\"gb\": true}")), agg);
            assertInstanceOf(MeterReading.Invalid.class, MeterReading.of(m, "api.request", json("{}")), agg);
        }
        Meter unique = meter("unique_count", "$.user", Map.of(), null);
        assertEquals("42", ((MeterReading.Contribution) MeterReading.of(unique, "api.request", json("{\"user\": 42}"))).distinct());
        assertInstanceOf(MeterReading.Invalid.class, MeterReading.of(unique, "api.request", json("{\"user\": null}")));
    }

    @Test
    void numbersBeyondTheMeterRangeAreInvalidNotExpanded() throws Exception {
        // the service's mapper reads floats as BigDecimal: "1e1000000000" stays one short token until expanded
        ObjectMapper exact = new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        Meter sum = meter("sum", "$.v", Map.of(), null);
        Meter unique = meter("unique_count", "$.v", Map.of(), null);
        String[][] cases = { // value, expected sum contribution ("" = invalid)
            {"1e1000000000", ""}, {"-1e1000000000", ""}, {"1e-1000000000", ""}, {"\"1e9999\"", ""},
            {"1000000000000000000000000000000", ""}, {"0.0000000000000000001", ""},
            {"999999999999999999999999999999", "999999999999999999999999999999"}, {"1e29", "100000000000000000000000000000"},
            {"0.000000000000000001", "0.000000000000000001"}, {"1.5000000000000000000000", "1.5"}, {"0e1000000000", "0"},
        };
        for (String[] c : cases) {
            MeterReading r = MeterReading.of(sum, "api.request", exact.readTree("{\"v\": " + c[0] + "}"));
            if (c[1].isEmpty()) {
                assertInstanceOf(MeterReading.Invalid.class, r, c[0]);
                assertTrue(((MeterReading.Invalid) r).reason().contains("at most 30 digits before the point and 18 after it"), c[0]);
            } else {
                assertEquals(c[1], JsonValues.plain(((MeterReading.Contribution) r).number()), c[0]);
            }
        }
        // a distinct value is kept as text: no expansion either
        assertEquals("1E+1000000000", ((MeterReading.Contribution) MeterReading.of(unique, "api.request",
                exact.readTree("{\"v\": 1e1000000000}"))).distinct());
    }

    @Test
    void groupAndDistinctValuesTooLongForAnIndexKeyAreInvalid() throws Exception {
        Meter calls = meter("count", null, Map.of("endpoint", "$.endpoint"), null);
        Meter users = meter("unique_count", "$.user", Map.of(), null);
        assertTrue(MeterReading.readsData(calls), "a count meter with groups reads data (to check the group values)");
        String max = "x".repeat(256);
        String emoji = "\uD83D\uDE00".repeat(256); // 256 characters, 512 UTF-16 units, 1024 UTF-8 bytes
        assertInstanceOf(MeterReading.Contribution.class, MeterReading.of(calls, "api.request", json("{\"endpoint\": \"" + max + "\"}")));
        assertEquals("meter 'm_count' needs a group value of at most 256 characters at $.endpoint",
                MeterReading.problem(calls, "api.request", json("{\"endpoint\": \"" + max + "x\"}")));
        assertEquals("meter 'm_count' needs a group value of at most 256 characters at $.endpoint",
                ((MeterReading.Invalid) MeterReading.of(calls, "api.request", json("{\"endpoint\": \"" + "y".repeat(3000) + "\"}"))).reason(),
                "the aggregator refuses it too (replacement data of a correction is not checked at ingest)");
        assertEquals(null, MeterReading.problem(users, "api.request", json("{\"user\": \"" + max + "\"}")));
        assertEquals(null, MeterReading.problem(users, "api.request", json("{\"user\": \"" + emoji + "\"}")), "characters, not UTF-16 units");
        assertEquals("meter 'm_unique_count' needs a value of at most 256 characters at $.user",
                MeterReading.problem(users, "api.request", json("{\"user\": \"" + max + "x\"}")));
        assertInstanceOf(MeterReading.Invalid.class, MeterReading.of(users, "api.request", json("{\"user\": \"" + max + "x\"}")));
        // each value within its bound, the group key (the group as JSON) beyond 1024 bytes: {"g1":"...",...,"g4":"..."}
        // is 33 bytes around the values
        Meter four = meter("count", null, Map.of("g1", "$.g1", "g2", "$.g2", "g3", "$.g3", "g4", "$.g4"), null);
        String three = "{\"g1\": \"" + "a".repeat(250) + "\", \"g2\": \"" + "b".repeat(250) + "\", \"g3\": \"" + "c".repeat(250) + "\", ";
        assertEquals(null, MeterReading.problem(four, "api.request", json(three + "\"g4\": \"" + "d".repeat(241) + "\"}")), "1024 bytes");
        assertEquals("meter 'm_count' needs group values of at most 1024 bytes together (as JSON) at $.g1, $.g2, $.g3, $.g4",
                MeterReading.problem(four, "api.request", json(three + "\"g4\": \"" + "d".repeat(242) + "\"}")), "1025 bytes");
        // a control character is one character but six bytes of key (escaped as \\u0001): 9 + 170 x 6 = 1029 bytes
        assertEquals("meter 'm_count' needs group values of at most 1024 bytes together (as JSON) at $.endpoint",
                MeterReading.problem(calls, "api.request", json("{\"endpoint\": \"" + "\\u0001".repeat(170) + "\"}")));
        assertEquals("meter 'm_count' needs group values of at most 1024 bytes together (as JSON) at $.endpoint",
                MeterReading.problem(calls, "api.request", json("{\"endpoint\": \"" + emoji + "\"}")), "15 + 1024 bytes");
    }

    @Test
    void otherTypesAndFilteredEventsAreSkipped() throws Exception {
        Meter m = meter("count", null, Map.of(), "{\"$.status\": {\"lt\": 400}}");
        assertInstanceOf(MeterReading.Skip.class, MeterReading.of(m, "api.other", json("{\"status\": 200}")));
        assertInstanceOf(MeterReading.Skip.class, MeterReading.of(m, "api.request", json("{\"status\": 500}")));
        assertEquals(1, ((MeterReading.Contribution) MeterReading.of(m, "api.request", json("{\"status\": 200}"))).number().intValue());
    }

    @Test
    void definitionsAreValidatedFieldByField() {
        var e = assertThrows(MeterDefinitions.InvalidMeter.class, () -> MeterDefinitions.validate("Bad Slug", " ", "avg", null,
                Map.of("Endpoint", "$.endpoint", "ok", "endpoint"), new ObjectMapper().createArrayNode(), NOW));
        assertEquals(java.util.Set.of("slug", "event_type", "aggregation", "group_by.Endpoint", "group_by.ok", "filter"),
                e.violations().stream().map(MeterDefinitions.Violation::field).collect(java.util.stream.Collectors.toSet()));
        var sum = assertThrows(MeterDefinitions.InvalidMeter.class, () -> MeterDefinitions.validate("s", "t", "sum", null, null, null, NOW));
        assertEquals("value_property", sum.violations().get(0).field());
        var count = assertThrows(MeterDefinitions.InvalidMeter.class, () -> MeterDefinitions.validate("c", "t", "count", "$.x", null, null, NOW));
        assertEquals("value_property", count.violations().get(0).field());
    }
}
