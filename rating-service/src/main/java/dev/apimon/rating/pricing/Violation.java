package dev.apimon.rating.pricing;

/** One validation failure; field is the snake_case JSON path, e.g. "charges[0].tiers[1].up_to". */
public record Violation(String field, String message) {
}
