package dev.apimon.rating.pricing;

import java.math.BigDecimal;

/** How much of one credit source a quote consumed. */
public record CreditUse(String sourceId, BigDecimal amount) {
}
