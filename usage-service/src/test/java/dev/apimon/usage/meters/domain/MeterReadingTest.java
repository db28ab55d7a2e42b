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
    void keyValuesBeyondTheIngestBoundAreRefusedAtIngestAndUncountableOnlyBeyondWhatAKeyStores() throws Exception {
        Meter calls = meter("count", null, Map.of("endpoint", "$.endpoint"), null);
        Meter users = meter("unique_count", "$.user", Map.of(), null);
        assertTrue(MeterReading.readsData(calls), "a count meter with groups reads data (to check the group values)");
        // {"endpoint":"..."} is 15 bytes around the value
        String atIngestBound = "x".repeat(1536 - 15);
        assertEquals(null, MeterReading.problem(calls, "api.request", json("{\"endpoint\": \"" + atIngestBound + "\"}")));
        assertEquals("meter 'm_count' needs group values of at most 1536 bytes together (as JSON) at $.endpoint",
                MeterReading.problem(calls, "api.request", json("{\"endpoint\": \"" + atIngestBound + "x\"}")));
        // what ingest refuses, the aggregator still counts while a key can store it: quota-service records request
        // paths straight to Kafka, and events counted before the bounds existed must count again in a recompute
        assertInstanceOf(MeterReading.Contribution.class,
                MeterReading.of(calls, "api.request", json("{\"endpoint\": \"" + "y".repeat(2450 - 15) + "\"}")));
        assertEquals("meter 'm_count' needs group values of at most 2450 bytes together (as JSON) at $.endpoint",
                ((MeterReading.Invalid) MeterReading.of(calls, "api.request", json("{\"endpoint\": \"" + "y".repeat(2450 - 14) + "\"}"))).reason());
        // bytes, as stored: an emoji is 4, a control character 6 once escaped in the key (\\u0001)
        String emoji = "\uD83D\uDE00";
        assertEquals(null, MeterReading.problem(calls, "api.request", json("{\"endpoint\": \"" + emoji.repeat(380) + "\"}")), "15 + 1520 bytes");
        assertTrue(MeterReading.problem(calls, "api.request", json("{\"endpoint\": \"" + emoji.repeat(381) + "\"}")) != null, "15 + 1524 bytes");
        assertEquals(null, MeterReading.problem(calls, "api.request", json("{\"endpoint\": \"" + "\\u0001".repeat(253) + "\"}")), "15 + 1518 bytes");
        assertTrue(MeterReading.problem(calls, "api.request", json("{\"endpoint\": \"" + "\\u0001".repeat(254) + "\"}")) != null, "15 + 1524 bytes");
        // several groups count together: {"g1":"...","g2":"..."} is 17 bytes around the values
        Meter two = meter("count", null, Map.of("g1", "$.g1", "g2", "$.g2"), null);
        assertEquals(null, MeterReading.problem(two, "api.request", json("{\"g1\": \"" + "a".repeat(1000) + "\", \"g2\": \"" + "b".repeat(519) + "\"}")));
        assertEquals("meter 'm_count' needs group values of at most 1536 bytes together (as JSON) at $.g1, $.g2",
                MeterReading.problem(two, "api.request", json("{\"g1\": \"" + "a".repeat(1000) + "\", \"g2\": \"" + "b".repeat(520) + "\"}")));
        // unique_count values: 768 bytes at ingest; with their group key ("{}": 2 bytes) 2450 in the aggregator
        assertEquals(null, MeterReading.problem(users, "api.request", json("{\"user\": \"" + "u".repeat(768) + "\"}")));
        assertEquals("meter 'm_unique_count' needs a value of at most 768 bytes at $.user",
                MeterReading.problem(users, "api.request", json("{\"user\": \"" + "u".repeat(769) + "\"}")));
        assertInstanceOf(MeterReading.Contribution.class, MeterReading.of(users, "api.request", json("{\"user\": \"" + "u".repeat(2448) + "\"}")));
        assertInstanceOf(MeterReading.Invalid.class, MeterReading.of(users, "api.request", json("{\"user\": \"" + "u".repeat(2449) + "\"}")));
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

    @Test
    void ingestNeverAcceptsAUniqueValueTheAggregatorWouldRefuseWithItsGroup() throws Exception {
        Meter users = meter("unique_count", "$.user", Map.of("endpoint", "$.endpoint"), null);
        // a group key of 1536 bytes (the ingest bound) and a value of 768 (its bound): 2304 together
        String body = "{\"endpoint\": \"" + "e".repeat(1536 - 15) + "\", \"user\": \"" + "u".repeat(768) + "\"}";
        assertEquals("meter 'm_unique_count' needs a value and group values of at most 2300 bytes together at $.user",
                MeterReading.problem(users, "api.request", json(body)));
        String fits = "{\"endpoint\": \"" + "e".repeat(1536 - 15) + "\", \"user\": \"" + "u".repeat(764) + "\"}";
        assertEquals(null, MeterReading.problem(users, "api.request", json(fits)));
        assertInstanceOf(MeterReading.Contribution.class, MeterReading.of(users, "api.request", json(fits)));
    }
}
