package dev.apimon.key.subscriptions.domain;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * A monthly billing period [start, end), half-open, in UTC. Period k of a subscription starts at
 * {@code anchor + k months}, always computed from the anchor (never from the previous period), so an anchor on
 * the 31st clamps to the end of shorter months and comes back: Jan 31, Feb 28 (29), Mar 31, Apr 30, May 31.
 * quota-service computes its quota windows the same way, so both agree on every boundary.
 */
public record Period(Instant start, Instant end) {

    public Period {
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("a period ends after it starts");
        }
    }

    /** The period that contains {@code at} (start inclusive, end exclusive); {@code at} may precede the anchor. */
    public static Period monthlyContaining(Instant anchor, Instant at) {
        ZonedDateTime a = anchor.atZone(ZoneOffset.UTC);
        ZonedDateTime t = at.atZone(ZoneOffset.UTC);
        long k = ChronoUnit.MONTHS.between(a, t);
        while (a.plusMonths(k).isAfter(t)) {
            k--;
        }
        while (!a.plusMonths(k + 1).isAfter(t)) {
            k++;
        }
        return new Period(a.plusMonths(k).toInstant(), a.plusMonths(k + 1).toInstant());
    }

    /** The period right after this one for the same anchor. */
    public Period next(Instant anchor) {
        return monthlyContaining(anchor, end);
    }

    public boolean contains(Instant t) {
        return !t.isBefore(start) && t.isBefore(end);
    }
}
