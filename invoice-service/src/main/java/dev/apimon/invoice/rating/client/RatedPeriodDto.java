package dev.apimon.invoice.rating.client;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** rating-service's rated period (the same document as a {@code billing.spend} snapshot). */
public record RatedPeriodDto(String customerId, PlanRef plan, Instant periodStart, Instant periodEnd, String currency, List<Line> lines,
                             BigDecimal subtotal, BigDecimal discount, BigDecimal minimumCommitmentTrueUp, BigDecimal creditsApplied,
                             BigDecimal total, BigDecimal creditsRemaining, Instant updatedAt) {

    public record PlanRef(String code, int version) {
    }

    public record Line(String type, String description, String meter, BigDecimal quantity, BigDecimal amount) {
    }
}
