package dev.apimon.platform.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * RFC 9457 problem details. {@code type} is a stable URI per {@code code}; {@code errors} names the
 * offending fields so a client can fix its input without reading the prose.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String code, String detail, String instance,
                      List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_BASE = "https://apimon.dev/problems/";

    public static Problem of(int status, String code, String title, String detail, List<FieldError> errors) {
        return new Problem(TYPE_BASE + code.toLowerCase().replace('_', '-'), title, status, code, detail, null,
                errors == null ? List.of() : List.copyOf(errors));
    }
}
