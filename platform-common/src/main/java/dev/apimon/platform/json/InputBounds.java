package dev.apimon.platform.json;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * The numbers and instants the suite accepts as input. Java reads far more than PostgreSQL and JDBC can take, and
 * than arithmetic should be asked to do: {@code 1e1000000000} is one short token that becomes a billion digits in
 * the first multiplication, and {@code +999999999-12-31T00:00:00Z} an Instant that {@code Timestamp.from} refuses.
 * Refused where input is read, with the field named, instead of a 500 (or minutes of CPU) further in.
 */
public final class InputBounds {
    /** Digits before the point: far beyond any price, quantity or amount, exact in PostgreSQL NUMERIC. */
    public static final int MAX_INTEGER_DIGITS = 30;
    /** Digits after the point (money is rounded far below this; quantities like 0.000000001 GB fit). */
    public static final int MAX_DECIMALS = 18;
    /** PostgreSQL has no year 0; "+10000-01-01" is not an RFC 3339 timestamp. */
    public static final Instant MIN_INSTANT = Instant.parse("0001-01-01T00:00:00Z");
    public static final Instant MAX_INSTANT = Instant.parse("9999-12-31T23:59:59.999999999Z");

    public static final String DECIMAL_RULE = "at most " + MAX_INTEGER_DIGITS + " digits before the point and " + MAX_DECIMALS
            + " after it";
    public static final String INSTANT_RULE = "must be within the years 0001-9999";

    private InputBounds() {
    }

    /** Whether the decimal is within {@link #MAX_INTEGER_DIGITS} / {@link #MAX_DECIMALS}, computed without expanding it. */
    public static boolean inRange(BigDecimal d) {
        if (d.signum() == 0) {
            return true;
        }
        // precision - scale = digits before the point
        return (long) d.precision() - d.scale() <= MAX_INTEGER_DIGITS && d.stripTrailingZeros().scale() <= MAX_DECIMALS;
    }

    public static boolean inRange(Instant t) {
        return !t.isBefore(MIN_INSTANT) && !t.isAfter(MAX_INSTANT);
    }

    /** The decimal written in {@code text} (trimmed), or null if it is not one or is out of range. */
    public static BigDecimal decimal(String text) {
        if (text == null || text.length() > 100) { // longer cannot be in range; parsing it would cost quadratic time
            return null;
        }
        try {
            BigDecimal d = new BigDecimal(text.strip());
            return inRange(d) ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
