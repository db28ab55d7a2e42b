package dev.apimon.rating.simulations.domain;

import dev.apimon.platform.time.BillingPeriods;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Which plan a customer had when, and its last closed billing periods (plain Java). */
public final class Timeline {
    private Timeline() {
    }

    public record PlanAt(Instant effectiveAt, String planCode, int planVersion, String status) {
    }

    /**
     * The entry in effect at {@code t}: the last one effective at or before it; before the first, the first one (a
     * subscription's first history entry starts at its anchor, so this only matters for inconsistent data).
     * {@code history} is ordered by effectiveAt; {@code current} is used when there is no history at all.
     */
    public static PlanAt at(List<PlanAt> history, PlanAt current, Instant t) {
        PlanAt found = null;
        for (PlanAt h : history) {
            if (!h.effectiveAt().isAfter(t)) {
                found = h;
            }
        }
        if (found != null) {
            return found;
        }
        return history.isEmpty() ? current : history.get(0);
    }

    /** Up to {@code n} closed periods before the one containing {@code now}, oldest first; none before the anchor. */
    public static List<BillingPeriods.Period> lastClosed(Instant anchor, String interval, Instant now, int n) {
        List<BillingPeriods.Period> out = new ArrayList<>();
        if (now.isBefore(anchor)) {
            return out;
        }
        BillingPeriods.Period p = BillingPeriods.containing(anchor, interval, now);
        while (out.size() < n && p.start().isAfter(anchor)) {
            p = BillingPeriods.containing(anchor, interval, p.start().minusMillis(1));
            out.add(p);
        }
        Collections.reverse(out);
        return out;
    }

    /** Which usage table a customer's periods can be read from whole (see V7__usage_rollups.sql). */
    public enum Rollup { MONTHS, DAYS, HOURS }

    /** The epoch the rollups are cut at for customers without a rollup anchor: UTC days and calendar months. */
    public static final Instant DEFAULT_ROLLUP_ANCHOR = Instant.parse("2000-01-01T00:00:00Z");

    /**
     * Periods anchored on {@code periodAnchor} are whole rollup months when both anchors share the day of month and the
     * time of day (month ends clamp alike), whole rollup days when they share the time of day, else only hours.
     */
    public static Rollup rollup(Instant rollupAnchor, Instant periodAnchor) {
        if (microOfDay(rollupAnchor) != microOfDay(periodAnchor)) {
            return Rollup.HOURS;
        }
        int a = rollupAnchor.atOffset(ZoneOffset.UTC).getDayOfMonth();
        int b = periodAnchor.atOffset(ZoneOffset.UTC).getDayOfMonth();
        return a == b ? Rollup.MONTHS : Rollup.DAYS;
    }

    /** Microseconds since UTC midnight. */
    public static long microOfDay(Instant t) {
        return t.atOffset(ZoneOffset.UTC).toLocalTime().toNanoOfDay() / 1000;
    }
}
