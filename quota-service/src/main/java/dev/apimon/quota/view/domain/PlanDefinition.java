package dev.apimon.quota.view.domain;

import dev.apimon.quota.limits.domain.Entitlements;
import dev.apimon.quota.limits.domain.QuotaSpec;
import dev.apimon.quota.limits.domain.RateLimitSpec;
import java.util.List;
import java.util.Map;

/** The enforcement part of a plan version from billing.catalog, compiled once when the record arrives. */
public record PlanDefinition(PlanRef ref, String status, List<RateLimitSpec> rateLimits, Map<String, QuotaSpec> quotas,
                             Entitlements entitlements) {
}
