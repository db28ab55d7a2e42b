package dev.apimon.rating.pricing;

/** Per-period usage cap on a meter; enforcement is "hard" (reject) or "soft" (alert only). */
public record Quota(String meter, Long limit, String enforcement) {
}
