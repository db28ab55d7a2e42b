package dev.apimon.usage.meters.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonPathTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void readsMembersIndexesAndQuotedNames() throws Exception {
        JsonNode d = json("{\"bytes\": 5120, \"req\": {\"headers\": [{\"x-region\": \"eu\"}], \"a b\": 1}}");
        assertEquals(5120, JsonPath.parse("$.bytes").read(d).intValue());
        assertEquals("eu", JsonPath.parse("$.req.headers[0]['x-region']").read(d).asText());
        assertEquals("eu", JsonPath.parse("$.req.headers[0].x-region").read(d).asText());
        assertEquals(1, JsonPath.parse("$.req[\"a b\"]").read(d).intValue());
        assertEquals(d, JsonPath.parse("$").read(d));
    }

    @Test
    void missingStepsReadAsNull() throws Exception {
        JsonNode d = json("{\"a\": {\"b\": [1]}, \"n\": null}");
        assertNull(JsonPath.parse("$.x").read(d));
        assertNull(JsonPath.parse("$.a.b[3]").read(d));
        assertNull(JsonPath.parse("$.a.b.c").read(d));
        assertTrue(JsonPath.parse("$.n").read(d).isNull());
    }

    @Test
    void rejectsWhatCouldSelectSeveralNodes() {
        assertThrows(IllegalArgumentException.class, () -> JsonPath.parse("bytes"));
        assertThrows(IllegalArgumentException.class, () -> JsonPath.parse("$.items[*]"));
        assertThrows(IllegalArgumentException.class, () -> JsonPath.parse("$..bytes"));
        assertThrows(IllegalArgumentException.class, () -> JsonPath.parse("$.a[?(@.b)]"));
        assertThrows(IllegalArgumentException.class, () -> JsonPath.parse("$['open"));
        assertThrows(IllegalArgumentException.class, () -> JsonPath.parse(""));
    }
}
