package dev.apimon.platform.problem;

/**
 * A bounded integer query parameter taken as the text sent: "abc" is then a 400 naming the parameter, where a
 * JAX-RS {@code Integer} parameter that fails to convert is a bare 404.
 */
public final class IntegerParameter {
    private IntegerParameter() {
    }

    /** The value, or null when absent or blank; anything else than an integer in [min, max] is a 400 naming it. */
    public static Integer parse(String text, String field, int min, int max) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            int v = Integer.parseInt(text.strip());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // answered below, like an integer out of range
        }
        throw ProblemException.invalid(field, "must be an integer between " + min + " and " + max);
    }
}
