package dev.apimon.platform.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BillingPeriodsTest {

    @ParameterizedTest(name = "anchor {0}, at {1} -> [{2}, {3})")
    @CsvSource({
            "2026-01-15T10:00:00Z, 2026-01-15T10:00:00Z, 2026-01-15T10:00:00Z, 2026-02-15T10:00:00Z",
            "2026-01-15T10:00:00Z, 2026-02-15T09:59:59Z, 2026-01-15T10:00:00Z, 2026-02-15T10:00:00Z",
            "2026-01-15T10:00:00Z, 2026-02-15T10:00:00Z, 2026-02-15T10:00:00Z, 2026-03-15T10:00:00Z",
            "2026-01-31T00:00:00Z, 2026-02-10T00:00:00Z, 2026-01-31T00:00:00Z, 2026-02-28T00:00:00Z",
            "2026-01-31T00:00:00Z, 2026-03-01T00:00:00Z, 2026-02-28T00:00:00Z, 2026-03-31T00:00:00Z",
            "2028-01-31T00:00:00Z, 2028-02-29T12:00:00Z, 2028-02-29T00:00:00Z, 2028-03-31T00:00:00Z",
            "2026-11-01T00:00:00Z, 2026-11-21T10:00:00Z, 2026-11-01T00:00:00Z, 2026-12-01T00:00:00Z",
            "2025-12-20T00:00:00Z, 2026-11-21T00:00:00Z, 2026-11-20T00:00:00Z, 2026-12-20T00:00:00Z",
    })
    void monthlyPeriodContaining(String anchor, String at, String start, String end) {
        var p = BillingPeriods.containing(Instant.parse(anchor), "month", Instant.parse(at));
        assertEquals(Instant.parse(start), p.start());
        assertEquals(Instant.parse(end), p.end());
    }

    @Test
    void yearlyAndBeforeAnchor() {
        var p = BillingPeriods.containing(Instant.parse("2024-02-29T00:00:00Z"), "year", Instant.parse("2026-06-01T00:00:00Z"));
        assertEquals(Instant.parse("2026-02-28T00:00:00Z"), p.start());
        assertEquals(Instant.parse("2027-02-28T00:00:00Z"), p.end());
        assertThrows(IllegalArgumentException.class,
                () -> BillingPeriods.containing(Instant.parse("2026-02-01T00:00:00Z"), "month", Instant.parse("2026-01-01T00:00:00Z")));
    }
}
