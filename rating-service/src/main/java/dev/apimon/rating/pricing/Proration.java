package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Objects;

/** Fraction of a billing period left after a mid-period change, used to prorate the fixed fee. */
public final class Proration {

    private Proration() {
    }

    /**
     * @return (periodEnd - changeAt) / (periodEnd - periodStart) in whole seconds, scale 10 HALF_UP, clamped to [0, 1]
     *         so a change before the period charges it fully and one after it charges nothing
     */
    public static BigDecimal factor(Instant periodStart, Instant periodEnd, Instant changeAt) {
        Objects.requireNonNull(periodStart, "periodStart");
        Objects.requireNonNull(periodEnd, "periodEnd");
        Objects.requireNonNull(changeAt, "changeAt");
        long total = periodEnd.getEpochSecond() - periodStart.getEpochSecond();
        if (total <= 0) {
            throw new IllegalArgumentException("period must end after it starts: " + periodStart + " .. " + periodEnd);
        }
        long remaining = Math.max(0, Math.min(total, periodEnd.getEpochSecond() - changeAt.getEpochSecond()));
        return BigDecimal.valueOf(remaining).divide(BigDecimal.valueOf(total), 10, RoundingMode.HALF_UP);
    }
}
