package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.time.Instant;

/** A balance of prepaid or granted credit; lower priority is spent first, expiresAt null means it never expires. */
public record CreditSource(String id, BigDecimal remaining, int priority, Instant expiresAt) {
}
