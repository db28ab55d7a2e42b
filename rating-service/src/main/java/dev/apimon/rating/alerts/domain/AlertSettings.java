package dev.apimon.rating.alerts.domain;

import java.math.BigDecimal;
import java.util.List;

/**
 * A customer's alert thresholds, in the currency of its plan. budget with percentages: an alert at each percentage of
 * the budget; spendCap: one alert when the total reaches it; creditsLowBelow: an alert when the credits left fall
 * under it (without it, the service-wide fraction of the granted credits applies). Null means "not set".
 */
public record AlertSettings(BigDecimal budget, List<Integer> percentages, BigDecimal spendCap, BigDecimal creditsLowBelow) {
    public static final List<Integer> DEFAULT_PERCENTAGES = List.of(50, 80, 100);

    public AlertSettings {
        percentages = percentages == null ? DEFAULT_PERCENTAGES : List.copyOf(percentages);
    }

    public static AlertSettings none() {
        return new AlertSettings(null, DEFAULT_PERCENTAGES, null, null);
    }
}
