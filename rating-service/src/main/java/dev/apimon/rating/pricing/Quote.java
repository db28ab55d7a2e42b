package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.util.List;

/**
 * A priced period. All amounts are at the currency's minor-unit scale; subtotal is the sum of the rounded lines and
 * total = subtotal - discount + minimumCommitmentTrueUp - creditsApplied (never negative).
 */
public record Quote(
        String currency,
        List<QuoteLine> lines,
        BigDecimal subtotal,
        BigDecimal discount,
        BigDecimal creditsApplied,
        BigDecimal minimumCommitmentTrueUp,
        BigDecimal total,
        List<CreditUse> creditUses) {

    public Quote {
        lines = List.copyOf(lines);
        creditUses = List.copyOf(creditUses);
    }
}
