package dev.apimon.quota.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.quota.limits.domain.BillingPeriod;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BillingPeriodTest {

    @ParameterizedTest(name = "anchor {0}, now {1} -> [{2}, {3})")
    @CsvSource({
            // same day-of-month
            "2026-01-15T00:00:00Z, 2026-02-20T08:00:00Z, 2026-02-15T00:00:00Z, 2026-03-15T00:00:00Z",
            // exactly at a period start: the new period
            "2026-01-15T00:00:00Z, 2026-03-15T00:00:00Z, 2026-03-15T00:00:00Z, 2026-04-15T00:00:00Z",
            // one microsecond before: the old period
            "2026-01-15T00:00:00Z, 2026-03-14T23:59:59.999999Z, 2026-02-15T00:00:00Z, 2026-03-15T00:00:00Z",
            // anchor on the 31st clamps in short months and comes back to the 31st
            "2026-01-31T10:00:00Z, 2026-02-28T09:59:59Z, 2026-01-31T10:00:00Z, 2026-02-28T10:00:00Z",
            "2026-01-31T10:00:00Z, 2026-03-05T12:00:00Z, 2026-02-28T10:00:00Z, 2026-03-31T10:00:00Z",
            "2026-01-31T10:00:00Z, 2026-04-30T10:00:00Z, 2026-04-30T10:00:00Z, 2026-05-31T10:00:00Z",
            // leap year
            "2027-12-30T00:00:00Z, 2028-02-29T12:00:00Z, 2028-02-29T00:00:00Z, 2028-03-30T00:00:00Z",
            // now before the anchor (backdated or future subscription): the period that ends at the anchor
            "2026-05-10T00:00:00Z, 2026-05-01T00:00:00Z, 2026-04-10T00:00:00Z, 2026-05-10T00:00:00Z",
            // years later
            "2020-02-29T06:30:00Z, 2026-11-21T07:00:00Z, 2026-10-29T06:30:00Z, 2026-11-29T06:30:00Z",
    })
    void periodContainingNowIsAnchored(String anchor, String now, String start, String end) {
        BillingPeriod p = BillingPeriod.monthly(Instant.parse(anchor), Instant.parse(now));
        assertEquals(Instant.parse(start), p.start());
        assertEquals(Instant.parse(end), p.end());
    }
}
