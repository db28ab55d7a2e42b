package dev.apimon.usage.meters.domain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.platform.json.InputBounds;
import java.math.BigDecimal;
import java.util.regex.Pattern;

/** Reading event values exactly: numbers become BigDecimal (never a double), scalars a canonical text. */
public final class JsonValues {
    // JSON's number grammar; strings like "12.5" are accepted because gateways often send quantities as strings
    private static final Pattern DECIMAL = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]{1,4})?");

    /**
     * A meter's values have at most this many digits before the point and {@link #MAX_DECIMALS} after it: exact in
     * PostgreSQL NUMERIC and far beyond any real quantity. A number outside is refused, never expanded:
     * {@code 1e1000000000} is one short token that would otherwise become a billion digits in the aggregator.
     */
    public static final int MAX_INTEGER_DIGITS = InputBounds.MAX_INTEGER_DIGITS;
    public static final int MAX_DECIMALS = InputBounds.MAX_DECIMALS;

    private JsonValues() {
    }

    /**
     * The exact decimal of a JSON number or numeric string; null for anything else (missing, bool, text) and for
     * a number beyond {@link #MAX_INTEGER_DIGITS} / {@link #MAX_DECIMALS}.
     */
    public static BigDecimal decimal(JsonNode n) {
        BigDecimal d = unbounded(n);
        return d == null || !InputBounds.inRange(d) ? null : d;
    }

    private static BigDecimal unbounded(JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isIntegralNumber()) {
            return new BigDecimal(n.bigIntegerValue());
        }
        if (n.isBigDecimal()) {
            return n.decimalValue();
        }
        if (n.isFloatingPointNumber()) {
            double d = n.doubleValue();
            return Double.isFinite(d) ? new BigDecimal(Double.toString(d)) : null;
        }
        if (n.isTextual()) {
            String s = n.textValue().trim();
            return DECIMAL.matcher(s).matches() ? new BigDecimal(s) : null;
        }
        return null;
    }

    /** A scalar as text (strings as-is, numbers in plain notation, booleans); null for missing or JSON null. */
    public static String scalarText(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isNumber()) {
            BigDecimal d = decimal(n);
            return d == null ? n.asText() : plain(d);
        }
        if (n.isBoolean()) {
            return n.asText();
        }
        return n.toString(); // objects and arrays: their compact JSON
    }

    /** Canonical plain notation without trailing zeros: 1.50 -> "1.5", 3.0 -> "3", 1E+3 -> "1000". */
    public static String plain(BigDecimal d) {
        return canonical(d).toPlainString();
    }

    public static BigDecimal canonical(BigDecimal d) {
        if (d.signum() == 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal s = d.stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }
}
