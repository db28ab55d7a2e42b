package dev.apimon.rating.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.apimon.platform.time.BillingPeriods;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A period grant's expiry: expires_after counted from the period start on the subscription's (anchor's) calendar. */
class CreditGrantTest {

    @ParameterizedTest(name = "anchor {0}, period {1}, {2} → {3}")
    @CsvSource({
            // P1M on a monthly plan ends exactly with the period, also where months are shorter than the anchor's day
            "2026-01-31T10:00:00Z, 0, P1M, 2026-02-28T10:00:00Z",
            "2026-01-31T10:00:00Z, 1, P1M, 2026-03-31T10:00:00Z",
            "2026-01-31T10:00:00Z, 2, P1M, 2026-04-30T10:00:00Z",
            "2026-11-05T00:00:00Z, 1, P1M, 2027-01-05T00:00:00Z",
            // longer and shorter than a period; days after the months
            "2026-01-31T10:00:00Z, 1, P2M, 2026-04-30T10:00:00Z",
            "2026-01-31T10:00:00Z, 1, P10D, 2026-03-10T10:00:00Z",
            "2026-01-31T10:00:00Z, 1, P1M1D, 2026-04-01T10:00:00Z",
            "2026-03-15T00:00:00Z, 0, P2W, 2026-03-29T00:00:00Z",
    })
    void expiresAfterThePeriodStart(String anchor, long period, String expiresAfter, String expected) {
        Instant a = Instant.parse(anchor);
        Instant start = BillingPeriods.nth(a, "month", period).start();
        assertEquals(Instant.parse(expected), new CreditGrant(new BigDecimal("10.00"), expiresAfter, null).expiresAt(a, start));
    }

    @ParameterizedTest(name = "yearly period {0}")
    @CsvSource({"0, 2025-02-28T00:00:00Z", "1, 2026-02-28T00:00:00Z", "3, 2028-02-29T00:00:00Z"})
    void yearlyPlansCountFromTheAnchorToo(long period, String expected) {
        Instant a = Instant.parse("2024-02-29T00:00:00Z");
        Instant start = BillingPeriods.nth(a, "year", period).start();
        assertEquals(Instant.parse(expected), new CreditGrant(new BigDecimal("10.00"), "P1Y", null).expiresAt(a, start));
    }

    @Test
    void withoutExpiresAfterItNeverExpires_andPriorityDefaultsLikeAdminGrants() {
        CreditGrant g = new CreditGrant(new BigDecimal("10.00"), null, null);
        Instant anchor = Instant.parse("2026-01-31T10:00:00Z");
        assertNull(g.expiresAt(anchor, anchor));
        assertEquals(100, g.priorityOrDefault());
        assertEquals(7, new CreditGrant(new BigDecimal("10.00"), null, 7).priorityOrDefault());
    }
}
