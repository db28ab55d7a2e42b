package dev.apimon.usage.aggregation.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class WindowsTest {

    @Test
    void monthWindowsAreAnchoredAtFromAndCutAtTo() {
        List<Windows.Window> w = Windows.of(Instant.parse("2026-01-31T00:00:00Z"), Instant.parse("2026-04-15T00:00:00Z"),
                Windows.Size.MONTH, 100).orElseThrow();
        assertEquals(List.of(
                new Windows.Window(Instant.parse("2026-01-31T00:00:00Z"), Instant.parse("2026-02-28T00:00:00Z")),
                new Windows.Window(Instant.parse("2026-02-28T00:00:00Z"), Instant.parse("2026-03-31T00:00:00Z")),
                new Windows.Window(Instant.parse("2026-03-31T00:00:00Z"), Instant.parse("2026-04-15T00:00:00Z"))), w);
    }

    @Test
    void dayAndHourWindowsAndTheLimit() {
        assertEquals(3, Windows.of(Instant.parse("2026-11-01T06:00:00Z"), Instant.parse("2026-11-03T07:00:00Z"),
                Windows.Size.DAY, 10).orElseThrow().size());
        assertEquals(24, Windows.of(Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-02T00:00:00Z"),
                Windows.Size.HOUR, 24).orElseThrow().size());
        assertTrue(Windows.of(Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-02T00:00:00Z"),
                Windows.Size.HOUR, 23).isEmpty());
        assertTrue(Windows.onHour(Instant.parse("2026-11-01T05:00:00Z")));
        assertTrue(!Windows.onHour(Instant.parse("2026-11-01T05:00:01Z")));
    }

    @Test
    void groupKeysAreCanonical() {
        TreeMap<String, String> g = new TreeMap<>();
        g.put("z", "a\"b");
        g.put("a", null);
        assertEquals("{\"a\":null,\"z\":\"a\\\"b\"}", GroupKey.of(g));
        assertEquals("{}", GroupKey.of(new TreeMap<>()));
    }
}
