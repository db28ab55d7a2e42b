package dev.apimon.rating.pricing;

import java.math.BigDecimal;

/** Stripe-style tier: upTo is the inclusive upper bound, null meaning unbounded. */
public record Tier(BigDecimal upTo, BigDecimal unitAmount, BigDecimal flatAmount) {
}
