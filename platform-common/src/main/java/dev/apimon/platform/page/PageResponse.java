package dev.apimon.platform.page;

import java.util.List;

/** The list envelope of every API: {@code {"data": [...], "next_cursor": "..."}}; no cursor on the last page. */
public record PageResponse<T>(List<T> data, String nextCursor) {
    public static <T> PageResponse<T> of(List<T> data, String nextCursor) {
        return new PageResponse<>(data, nextCursor);
    }
}
