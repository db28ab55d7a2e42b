package dev.apimon.key.subscriptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.key.subscriptions.domain.Period;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Monthly periods anchored on the anchor day, UTC, half-open, anchors on the 29th-31st clamped to month end. */
class PeriodTest {

    @ParameterizedTest(name = "anchor {0}, at {1} -> [{2}, {3})")
    @CsvSource({
            // anchor,                 at,                       start,                    end
            "2026-01-15T10:00:00Z, 2026-01-15T10:00:00Z, 2026-01-15T10:00:00Z, 2026-02-15T10:00:00Z", // the anchor itself opens period 0
            "2026-01-15T10:00:00Z, 2026-02-15T09:59:59Z, 2026-01-15T10:00:00Z, 2026-02-15T10:00:00Z", // just before the boundary
            "2026-01-15T10:00:00Z, 2026-02-15T10:00:00Z, 2026-02-15T10:00:00Z, 2026-03-15T10:00:00Z", // end is exclusive
            "2026-01-15T10:00:00Z, 2026-12-31T23:59:59Z, 2026-12-15T10:00:00Z, 2027-01-15T10:00:00Z", // across the year
            "2026-01-31T00:00:00Z, 2026-02-10T00:00:00Z, 2026-01-31T00:00:00Z, 2026-02-28T00:00:00Z", // 31st clamps to Feb 28
            "2026-01-31T00:00:00Z, 2026-03-01T00:00:00Z, 2026-02-28T00:00:00Z, 2026-03-31T00:00:00Z", // and comes back to the 31st
            "2026-01-31T00:00:00Z, 2026-04-30T12:00:00Z, 2026-04-30T00:00:00Z, 2026-05-31T00:00:00Z", // April has 30 days
            "2028-01-31T00:00:00Z, 2028-02-29T00:00:00Z, 2028-02-29T00:00:00Z, 2028-03-31T00:00:00Z", // leap year: Feb 29
            "2028-02-29T08:00:00Z, 2029-02-28T09:00:00Z, 2029-02-28T08:00:00Z, 2029-03-29T08:00:00Z", // Feb 29 anchor in a common year
            "2026-03-30T00:00:00Z, 2026-02-27T00:00:00Z, 2026-01-30T00:00:00Z, 2026-02-28T00:00:00Z", // before the anchor (k = -2)
            "2026-03-30T00:00:00Z, 2026-02-28T00:00:00Z, 2026-02-28T00:00:00Z, 2026-03-30T00:00:00Z", // k = -1 starts on the clamped 28th
            "2026-05-01T00:00:00Z, 2026-05-01T00:00:00.000001Z, 2026-05-01T00:00:00Z, 2026-06-01T00:00:00Z",
    })
    void periodContaining(String anchor, String at, String start, String end) {
        Period p = Period.monthlyContaining(Instant.parse(anchor), Instant.parse(at));
        assertEquals(Instant.parse(start), p.start());
        assertEquals(Instant.parse(end), p.end());
        assertTrue(p.contains(Instant.parse(at)));
        assertFalse(p.contains(p.end()), "half-open: the end belongs to the next period");
    }

    @ParameterizedTest(name = "anchor {0}: the period after [{1}, ...) starts at {2}")
    @CsvSource({
            "2026-01-31T00:00:00Z, 2026-01-31T00:00:00Z, 2026-02-28T00:00:00Z, 2026-03-31T00:00:00Z",
            "2026-01-31T00:00:00Z, 2026-02-28T00:00:00Z, 2026-03-31T00:00:00Z, 2026-04-30T00:00:00Z",
            "2026-08-31T06:30:00Z, 2026-08-31T06:30:00Z, 2026-09-30T06:30:00Z, 2026-10-31T06:30:00Z",
    })
    void consecutivePeriodsTile(String anchor, String from, String nextStart, String nextEnd) {
        Instant a = Instant.parse(anchor);
        Period p = Period.monthlyContaining(a, Instant.parse(from));
        Period next = p.next(a);
        assertEquals(p.end(), next.start(), "no gap, no overlap");
        assertEquals(Instant.parse(nextStart), next.start());
        assertEquals(Instant.parse(nextEnd), next.end());
    }
}
