package dev.apimon.platform.problem;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One offending input field; {@code index} is set for items of a batch. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FieldError(String field, String message, Integer index) {
    public FieldError(String field, String message) {
        this(field, message, null);
    }
}
