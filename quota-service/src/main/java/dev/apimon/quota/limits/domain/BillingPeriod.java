package dev.apimon.quota.limits.domain;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * The monthly quota period [start, end) containing an instant, anchored on the subscription's anchor: period k
 * starts at anchor + k months. Computing from the anchor each time (not from the previous period) keeps an anchor
 * on the 31st on the 31st after February (Jan 31, Feb 28, Mar 31), as Stripe does.
 */
public record BillingPeriod(Instant start, Instant end) {

    public static BillingPeriod monthly(Instant anchor, Instant now) {
        ZonedDateTime a = anchor.atZone(ZoneOffset.UTC);
        ZonedDateTime n = now.atZone(ZoneOffset.UTC);
        long k = ChronoUnit.MONTHS.between(a, n);
        // between() truncates toward zero; step back when now precedes the computed start (now before the anchor)
        ZonedDateTime start = a.plusMonths(k);
        while (start.isAfter(n)) {
            k--;
            start = a.plusMonths(k);
        }
        ZonedDateTime end = a.plusMonths(k + 1);
        while (!end.isAfter(n)) {
            k++;
            start = end;
            end = a.plusMonths(k + 1);
        }
        return new BillingPeriod(start.toInstant(), end.toInstant());
    }

    public long secondsUntilEnd(Instant now) {
        return Math.max(0, (end.toEpochMilli() - now.toEpochMilli() + 999) / 1000);
    }

    public long lengthSeconds() {
        return end.getEpochSecond() - start.getEpochSecond();
    }
}
