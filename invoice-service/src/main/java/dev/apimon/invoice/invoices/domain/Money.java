package dev.apimon.invoice.invoices.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;

/**
 * Amounts in one currency, rounded to its minor units (USD 2, JPY 0, KWD 3) with one rounding mode. Plain Java:
 * the invoice generator and the Stripe minor-unit conversion share it.
 */
public final class Money {
    private final String currency;
    private final int digits;
    private final RoundingMode mode;

    public Money(String currency, RoundingMode mode) {
        int d = Currency.getInstance(currency).getDefaultFractionDigits();
        if (d < 0) {
            throw new IllegalArgumentException("currency " + currency + " has no minor units");
        }
        this.currency = currency;
        this.digits = d;
        this.mode = mode;
    }

    public static int digits(String currency) {
        return Math.max(0, Currency.getInstance(currency).getDefaultFractionDigits());
    }

    /** An amount shown at the currency's scale ("100.0000000000" from NUMERIC → "100.00"); never rounds a stored amount. */
    public static BigDecimal display(BigDecimal amount, String currency) {
        if (amount == null) {
            return null;
        }
        int d = digits(currency);
        BigDecimal stripped = amount.stripTrailingZeros();
        return stripped.scale() <= d ? amount.setScale(d, RoundingMode.UNNECESSARY) : stripped;
    }

    /** Integer minor units for Stripe ("25.00" USD → 2500); the amount must already be rounded. */
    public static long minorUnits(BigDecimal amount, String currency) {
        return amount.movePointRight(digits(currency)).setScale(0, RoundingMode.UNNECESSARY).longValueExact();
    }

    public String currency() {
        return currency;
    }

    public BigDecimal round(BigDecimal amount) {
        return amount.setScale(digits, mode);
    }

    /** Toward zero whatever the mode: for balances, which must never be overspent. */
    public BigDecimal floor(BigDecimal amount) {
        return amount.setScale(digits, RoundingMode.DOWN);
    }

    public BigDecimal zero() {
        return BigDecimal.ZERO.setScale(digits);
    }
}
