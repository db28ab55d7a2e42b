package dev.apimon.platform.time;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * Billing periods anchored on a subscription's anchor instant: half-open [start, end) in UTC. Monthly periods
 * keep the anchor's day and time; an anchor on the 29th-31st clamps to the end of shorter months (Jan 31 →
 * Feb 28 → Mar 31). Shared by every service so key-service, quota-service, rating and invoicing agree.
 */
public final class BillingPeriods {
    private BillingPeriods() {
    }

    public record Period(Instant start, Instant end) {
        public boolean contains(Instant t) {
            return !t.isBefore(start) && t.isBefore(end);
        }
    }

    /** The n-th period after the anchor (n = 0 starts at the anchor). */
    public static Period nth(Instant anchor, String interval, long n) {
        return new Period(boundary(anchor, interval, n), boundary(anchor, interval, n + 1));
    }

    /** The period containing {@code at}; instants before the anchor belong to no period. */
    public static Period containing(Instant anchor, String interval, Instant at) {
        if (at.isBefore(anchor)) {
            throw new IllegalArgumentException(at + " is before the anchor " + anchor);
        }
        ZonedDateTime a = anchor.atZone(ZoneOffset.UTC);
        ZonedDateTime t = at.atZone(ZoneOffset.UTC);
        long guess = "year".equals(interval) ? t.getYear() - a.getYear()
                : (t.getYear() - a.getYear()) * 12L + (t.getMonthValue() - a.getMonthValue());
        long n = Math.max(0, guess - 1);
        while (!boundary(anchor, interval, n + 1).isAfter(at)) {
            n++;
        }
        return nth(anchor, interval, n);
    }

    static Instant boundary(Instant anchor, String interval, long n) {
        ZonedDateTime a = anchor.atZone(ZoneOffset.UTC);
        // plusMonths clamps the day to the month's length, and adding from the anchor each time never drifts
        ZonedDateTime b = "year".equals(interval) ? a.plusYears(n) : a.plusMonths(n);
        return b.toInstant();
    }
}
