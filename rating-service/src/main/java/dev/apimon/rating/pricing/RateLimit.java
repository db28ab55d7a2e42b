package dev.apimon.rating.pricing;

/** A named request rate limit; window is an ISO-8601 duration such as "PT1M". */
public record RateLimit(String name, Long limit, String window) {
}
