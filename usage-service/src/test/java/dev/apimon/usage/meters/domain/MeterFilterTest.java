package dev.apimon.usage.meters.domain;

import static dev.apimon.usage.meters.domain.JsonPathTest.json;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MeterFilterTest {

    @Test
    void equalityRangesAndSets() throws Exception {
        MeterFilter f = MeterFilter.parse(json("{\"$.method\": \"GET\", \"$.status\": {\"gte\": 200, \"lt\": 300}, "
                + "\"$.region\": {\"in\": [\"eu\", \"us\"]}}"));
        assertTrue(f.matches(json("{\"method\": \"GET\", \"status\": 204, \"region\": \"eu\"}")));
        assertTrue(f.matches(json("{\"method\": \"GET\", \"status\": \"200.0\", \"region\": \"us\"}")), "numbers compare numerically");
        assertFalse(f.matches(json("{\"method\": \"GET\", \"status\": 300, \"region\": \"eu\"}")));
        assertFalse(f.matches(json("{\"method\": \"POST\", \"status\": 200, \"region\": \"eu\"}")));
        assertFalse(f.matches(json("{\"method\": \"GET\", \"status\": 200, \"region\": \"ap\"}")));
        assertFalse(f.matches(json("{\"method\": \"GET\", \"region\": \"eu\"}")), "a missing value is not in a range");
    }

    @Test
    void negationsAndExistence() throws Exception {
        MeterFilter f = MeterFilter.parse(json("{\"$.status\": {\"ne\": 500, \"nin\": [502, 503]}, \"$.user\": {\"exists\": true}}"));
        assertTrue(f.matches(json("{\"status\": 200, \"user\": \"u1\"}")));
        assertFalse(f.matches(json("{\"status\": 500, \"user\": \"u1\"}")));
        assertFalse(f.matches(json("{\"status\": 503, \"user\": \"u1\"}")));
        assertFalse(f.matches(json("{\"status\": 200}")));
        assertTrue(MeterFilter.parse(json("{\"$.flag\": true}")).matches(json("{\"flag\": true}")));
        assertFalse(MeterFilter.parse(json("{\"$.flag\": true}")).matches(json("{\"flag\": \"true\"}")), "a boolean is not a string");
    }

    @Test
    void invalidFiltersNameThePath() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MeterFilter.parse(json("{\"$.status\": {\"between\": [1, 2]}}")));
        assertTrue(e.getMessage().contains("$.status") && e.getMessage().contains("between"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MeterFilter.parse(json("{\"$.status\": {\"gt\": \"x\"}}")));
        assertThrows(IllegalArgumentException.class, () -> MeterFilter.parse(json("{\"status\": 1}")));
        assertThrows(IllegalArgumentException.class, () -> MeterFilter.parse(json("[1]")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"$.status\": 1e40}                        | $.status",
            "{\"$.status\": {\"ne\": 1234567890123456789012345678901}} | $.status",
            "{\"$.status\": {\"in\": [200, 0.0000000000000000001]}} | $.status",
            "{\"$.status\": {\"nin\": [[200]]}}            | $.status",
            "{\"$.status\": {\"lte\": -1e31}}              | $.status"})
    void numbersNoEventValueCanEqualAreRefusedWhenTheMeterIsDefined(String filter, String path) {
        // an event value is read only within 30 integer digits and 18 decimals: such an operand could never match,
        // and comparing with it failed every ingest of the meter's event type with a 500
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MeterFilter.parse(json(filter), true));
        assertTrue(e.getMessage().contains(path), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void aStoredFilterWithSuchANumberStillLoadsAndNeverCrashesAMatch() throws Exception {
        // defined before the rule above: loading it must not fail (it would stop every meter from loading)
        assertFalse(MeterFilter.parse(json("{\"$.plan\": 1e40}")).matches(json("{\"plan\": 1e40}")), "no value is read as 1e40");
        assertTrue(MeterFilter.parse(json("{\"$.plan\": {\"ne\": 1e40}}")).matches(json("{\"plan\": \"pro\"}")));
    }
}
