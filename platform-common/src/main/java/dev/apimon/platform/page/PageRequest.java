package dev.apimon.platform.page;

import dev.apimon.platform.problem.ProblemException;

/** Validated {@code ?limit=&cursor=}: limit 1..max (default 50). */
public record PageRequest(int limit, String cursor) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    public static PageRequest of(Integer limit, String cursor) {
        int l = limit == null ? DEFAULT_LIMIT : limit;
        if (l < 1 || l > MAX_LIMIT) {
            throw ProblemException.invalid("limit", "must be between 1 and " + MAX_LIMIT);
        }
        return new PageRequest(l, cursor == null || cursor.isBlank() ? null : cursor);
    }
}
