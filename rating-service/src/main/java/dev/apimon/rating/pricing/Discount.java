package dev.apimon.rating.pricing;

import java.math.BigDecimal;

/** A discount on the subtotal: percent ("10" = 10 %) and/or an absolute amount; both parts add up if both are set. */
public record Discount(String code, BigDecimal percent, BigDecimal amount) {
}
