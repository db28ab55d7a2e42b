package dev.apimon.rating;

import java.util.List;
import java.util.Map;

/** Plan documents shaped exactly like ARCHITECTURE.md's example. */
public final class TestPlans {
    private TestPlans() {
    }

    public static Map<String, Object> pro(String code) {
        return Map.ofEntries(
                Map.entry("code", code), Map.entry("name", "Pro"), Map.entry("currency", "USD"), Map.entry("interval", "month"),
                Map.entry("fee", "49.00"), Map.entry("minimum_commitment", "100.00"),
                Map.entry("credit_grant", Map.of("amount", "10.00", "expires_after", "P1M")),
                Map.entry("rate_limits", List.of(Map.of("name", "default", "limit", 100, "window", "PT1M"))),
                Map.entry("quotas", List.of(Map.of("meter", "api_calls", "limit", 50000, "enforcement", "hard"))),
                Map.entry("entitlements", List.of("GET /pets/**", "POST /pets", "feature:webhooks")),
                Map.entry("charges", List.of(
                        Map.of("meter", "api_calls", "model", "graduated", "tiers", List.of(
                                Map.of("up_to", 10000, "unit_amount", "0"),
                                new java.util.HashMap<>(Map.of("unit_amount", "0.005")))),
                        Map.of("meter", "images", "model", "per_unit", "unit_amount", "0.10"))));
    }
}
