package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Collects violations while validating, so every problem is reported instead of only the first. */
final class Violations {

    private final List<Violation> list = new ArrayList<>();

    void add(String field, String message) {
        list.add(new Violation(field, message));
    }

    /** @return true if present (so callers can skip follow-up checks on a missing value) */
    boolean required(String field, Object value) {
        boolean present = value != null && !(value instanceof String s && s.isBlank());
        if (!present) {
            add(field, "is required");
        }
        return present;
    }

    void nonNegative(String field, BigDecimal value) {
        if (value != null && value.signum() < 0) {
            add(field, "must be >= 0");
        }
    }

    void requiredNonNegative(String field, BigDecimal value) {
        if (required(field, value)) {
            nonNegative(field, value);
        }
    }

    void oneOf(String field, String value, Set<String> allowed, String allowedText) {
        if (required(field, value) && !allowed.contains(value)) {
            add(field, "must be one of: " + allowedText);
        }
    }

    List<Violation> list() {
        return List.copyOf(list);
    }
}
