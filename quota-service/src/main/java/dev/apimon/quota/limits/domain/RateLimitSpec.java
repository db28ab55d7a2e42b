package dev.apimon.quota.limits.domain;

/** One named rate limit of a plan ({"name": "default", "limit": 100, "window": "PT1M"}), compiled to GCRA terms. */
public record RateLimitSpec(String name, Gcra gcra) {
}
