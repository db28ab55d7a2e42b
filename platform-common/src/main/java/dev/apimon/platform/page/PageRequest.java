package dev.apimon.platform.page;

import dev.apimon.platform.problem.IntegerParameter;

/** Validated {@code ?limit=&cursor=}: limit 1..max (default 50). */
public record PageRequest(int limit, String cursor) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    /** From the query parameters as sent (limit as text, so "abc" is a 400 naming it). */
    public static PageRequest of(String limit, String cursor) {
        Integer l = IntegerParameter.parse(limit, "limit", 1, MAX_LIMIT);
        return new PageRequest(l == null ? DEFAULT_LIMIT : l, cursor == null || cursor.isBlank() ? null : cursor);
    }
}
