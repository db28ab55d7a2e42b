package dev.apimon.rating.simulations;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.platform.time.BillingPeriods;
import dev.apimon.rating.simulations.domain.Timeline;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimelineTest {
    private static Instant t(String s) {
        return Instant.parse(s);
    }

    @Test
    void lastClosedPeriodsAreTheOnesBeforeTheOpenOne_oldestFirst_neverBeforeTheAnchor() {
        assertEquals(List.of(new BillingPeriods.Period(t("2026-02-01T00:00:00Z"), t("2026-03-01T00:00:00Z")),
                        new BillingPeriods.Period(t("2026-03-01T00:00:00Z"), t("2026-04-01T00:00:00Z"))),
                Timeline.lastClosed(t("2026-01-01T00:00:00Z"), "month", t("2026-04-10T00:00:00Z"), 2));
        assertEquals(3, Timeline.lastClosed(t("2026-01-01T00:00:00Z"), "month", t("2026-04-10T00:00:00Z"), 12).size());
        assertEquals(List.of(), Timeline.lastClosed(t("2026-04-01T00:00:00Z"), "month", t("2026-04-10T00:00:00Z"), 3));
        assertEquals(List.of(), Timeline.lastClosed(t("2026-05-01T00:00:00Z"), "month", t("2026-04-10T00:00:00Z"), 3));
        // clamped month ends keep the anchor's time of day, so they stay on the customer's rollup day bounds
        assertEquals(List.of(new BillingPeriods.Period(t("2026-01-31T10:23:45.5Z"), t("2026-02-28T10:23:45.5Z")),
                        new BillingPeriods.Period(t("2026-02-28T10:23:45.5Z"), t("2026-03-31T10:23:45.5Z"))),
                Timeline.lastClosed(t("2026-01-31T10:23:45.5Z"), "month", t("2026-04-10T00:00:00Z"), 2));
    }

    @Test
    void periodsAreWholeRollupMonthsWhenBothAnchorsShareDayAndTime_wholeDaysWhenTheyShareTheTime() {
        assertEquals(Timeline.Rollup.MONTHS, Timeline.rollup(t("2026-01-31T10:23:45.5Z"), t("2026-01-31T10:23:45.5Z")));
        assertEquals(Timeline.Rollup.MONTHS, Timeline.rollup(Timeline.DEFAULT_ROLLUP_ANCHOR, t("2026-03-01T00:00:00Z")));
        assertEquals(Timeline.Rollup.DAYS, Timeline.rollup(Timeline.DEFAULT_ROLLUP_ANCHOR, t("2026-03-15T00:00:00Z")));
        assertEquals(Timeline.Rollup.HOURS, Timeline.rollup(Timeline.DEFAULT_ROLLUP_ANCHOR, t("2026-03-01T10:00:00Z")));
    }

    @Test
    void microOfDayIsTheTimeSinceUtcMidnight() {
        assertEquals(0, Timeline.microOfDay(t("2026-01-01T00:00:00Z")));
        assertEquals(37_425_500_000L, Timeline.microOfDay(t("2026-02-28T10:23:45.5Z")));
    }
}
