package dev.apimon.rating.pricing;

import java.math.BigDecimal;

/** One priced line; type is "fee" (meter and quantity null) or "usage". amount is rounded to minor units. */
public record QuoteLine(String type, String description, String meter, BigDecimal quantity, BigDecimal amount) {

    public static final String FEE = "fee";
    public static final String USAGE = "usage";
}
