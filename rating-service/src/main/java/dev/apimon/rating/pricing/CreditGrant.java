package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * Credit a plan grants each billing period: {@code amount} in the plan's currency, expiring {@code expiresAfter} (an
 * ISO-8601 period such as "P1M") after the period start — never when absent — and spent in {@code priority} order
 * like any credit source (lower first; {@value #DEFAULT_PRIORITY} when absent, as for admin grants).
 */
public record CreditGrant(BigDecimal amount, String expiresAfter, Integer priority) {
    public static final int DEFAULT_PRIORITY = 100;

    public int priorityOrDefault() {
        return priority == null ? DEFAULT_PRIORITY : priority;
    }

    /**
     * When the grant of the period starting at {@code periodStart} expires, or null. Counted on the subscription's
     * calendar like the periods themselves: period k starts at anchor + k months, so its grant expires at anchor + k
     * months + expires_after. "P1M" on a monthly plan therefore ends exactly with the period, also for anchors on the
     * 29th–31st (period Feb 28 → Mar 31 of a Jan 31 anchor: its grant expires Mar 31, not Mar 28).
     */
    public Instant expiresAt(Instant anchor, Instant periodStart) {
        if (expiresAfter == null) {
            return null;
        }
        Period p = Period.parse(expiresAfter);
        ZonedDateTime a = anchor.atZone(ZoneOffset.UTC);
        ZonedDateTime s = periodStart.atZone(ZoneOffset.UTC);
        // a period start is anchor + k months and always falls in the calendar month anchor's month + k
        long k = (s.getYear() - a.getYear()) * 12L + (s.getMonthValue() - a.getMonthValue());
        return a.plusMonths(k + p.toTotalMonths()).plusDays(p.getDays()).toInstant();
    }
}
