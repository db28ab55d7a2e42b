package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.util.List;

/** Sums discounts against the subtotal; percentages never compound and the total never exceeds the subtotal. */
final class Discounts {

    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    private Discounts() {
    }

    static BigDecimal total(List<Discount> discounts, BigDecimal subtotal, CurrencyRounding money) {
        BigDecimal sum = money.zero();
        for (Discount d : discounts) {
            sum = sum.add(money.round(raw(d, subtotal)));
        }
        return sum.min(subtotal);
    }

    private static BigDecimal raw(Discount d, BigDecimal subtotal) {
        BigDecimal raw = BigDecimal.ZERO;
        if (d.percent() != null) {
            requireNonNegative(d.percent(), "percent", d);
            raw = raw.add(subtotal.multiply(d.percent()).divide(HUNDRED)); // exact: dividing by 100 only shifts scale
        }
        if (d.amount() != null) {
            requireNonNegative(d.amount(), "amount", d);
            raw = raw.add(d.amount());
        }
        return raw;
    }

    private static void requireNonNegative(BigDecimal v, String field, Discount d) {
        if (v.signum() < 0) {
            throw new IllegalArgumentException("discount " + d.code() + " " + field + " must be >= 0: " + v);
        }
    }
}
