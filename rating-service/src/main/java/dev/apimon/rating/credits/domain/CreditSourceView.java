package dev.apimon.rating.credits.domain;

import dev.apimon.rating.pricing.CreditSource;
import java.math.BigDecimal;
import java.time.Instant;

public record CreditSourceView(String id, String customerId, String kind, String currency, BigDecimal amount, BigDecimal remaining,
                               int priority, Instant expiresAt, String description, Instant createdAt) {

    /** What the pricing engine needs of it. */
    public CreditSource forPricing() {
        return new CreditSource(id, remaining, priority, expiresAt);
    }
}
