package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.util.List;

/** One immutable version of a plan, as stored in the catalog document (JSON names are the snake_case of these). */
public record PlanVersion(
        String code,
        Integer version,
        String name,
        String status,
        String currency,
        String interval,
        BigDecimal fee,
        BigDecimal minimumCommitment,
        CreditGrant creditGrant,
        List<RateLimit> rateLimits,
        List<Quota> quotas,
        List<String> entitlements,
        List<Charge> charges) {
}
