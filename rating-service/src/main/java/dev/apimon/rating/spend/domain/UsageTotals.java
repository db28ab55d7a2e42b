package dev.apimon.rating.spend.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * Turns hourly bucket values into a period quantity, per the meter's aggregation: count and sum add up, max and
 * min take the extreme, latest takes the last hour's value. unique_count adds hourly uniques — an upper bound
 * (a value seen in two hours counts twice); exact period uniques need the raw log (usage-service).
 */
public final class UsageTotals {
    private UsageTotals() {
    }

    public record Hour(Instant windowStart, BigDecimal value) {
    }

    public static BigDecimal periodValue(String aggregation, List<Hour> hours) {
        if (hours.isEmpty()) {
            return BigDecimal.ZERO;
        }
        return switch (aggregation) {
            case "max" -> hours.stream().map(Hour::value).reduce(BigDecimal::max).orElseThrow();
            case "min" -> hours.stream().map(Hour::value).reduce(BigDecimal::min).orElseThrow();
            case "latest" -> hours.stream().max(java.util.Comparator.comparing(Hour::windowStart)).orElseThrow().value();
            default -> hours.stream().map(Hour::value).reduce(BigDecimal.ZERO, BigDecimal::add);
        };
    }

    /** Additive meters can be extrapolated to the period end; the others stay as they are. */
    public static boolean additive(String aggregation) {
        return "count".equals(aggregation) || "sum".equals(aggregation) || "unique_count".equals(aggregation);
    }
}
