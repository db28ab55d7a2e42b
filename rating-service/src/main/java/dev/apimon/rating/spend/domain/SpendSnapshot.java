package dev.apimon.rating.spend.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** The live, current-period spend of one customer: the {@code billing.spend} payload and the rated period. */
public record SpendSnapshot(String customerId, PlanRef plan, Instant periodStart, Instant periodEnd, String currency,
                            List<Line> lines, BigDecimal subtotal, BigDecimal discount, BigDecimal minimumCommitmentTrueUp,
                            BigDecimal creditsApplied, BigDecimal total, BigDecimal creditsRemaining, BigDecimal forecast,
                            List<QuotaGauge> quotas, Instant updatedAt) {

    public record PlanRef(String code, int version) {
    }

    public record Line(String type, String description, String meter, BigDecimal quantity, BigDecimal amount) {
    }

    public record QuotaGauge(String meter, long limit, BigDecimal used, BigDecimal remaining, String enforcement, BigDecimal percentUsed) {
    }
}
