package dev.apimon.rating.pricing;

import java.math.BigDecimal;

/** Credit granted each period; expiresAfter is an ISO-8601 period such as "P1M". */
public record CreditGrant(BigDecimal amount, String expiresAfter) {
}
