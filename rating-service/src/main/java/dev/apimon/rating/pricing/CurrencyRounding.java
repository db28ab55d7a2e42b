package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;

/** Rounds amounts to a currency's minor units (JPY 0, USD 2, KWD 3) with one configured rounding mode. */
public final class CurrencyRounding {

    /** An amount shown at least at the currency's minor-unit scale ("60" USD → "60.00"), never rounded. */
    public static BigDecimal display(BigDecimal amount, String currencyCode) {
        int digits = Math.max(0, Currency.getInstance(currencyCode).getDefaultFractionDigits());
        BigDecimal stripped = amount.stripTrailingZeros();
        return stripped.scale() < digits ? stripped.setScale(digits) : stripped;
    }

    private final int minorUnits;
    private final RoundingMode mode;

    CurrencyRounding(String currencyCode, RoundingMode mode) {
        int digits = Currency.getInstance(currencyCode).getDefaultFractionDigits();
        if (digits < 0) {
            // Pseudo-currencies such as XAU have no minor unit, so there is nothing sensible to round to.
            throw new IllegalArgumentException("currency " + currencyCode + " has no minor units");
        }
        this.minorUnits = digits;
        this.mode = mode;
    }

    int minorUnits() {
        return minorUnits;
    }

    BigDecimal round(BigDecimal amount) {
        return amount.setScale(minorUnits, mode);
    }

    /** Rounds toward zero regardless of the configured mode: used for balances, which must never be overspent. */
    BigDecimal floor(BigDecimal amount) {
        return amount.setScale(minorUnits, RoundingMode.DOWN);
    }

    BigDecimal zero() {
        return BigDecimal.ZERO.setScale(minorUnits);
    }
}
