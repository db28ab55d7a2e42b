package dev.apimon.key.keys.domain;

import dev.apimon.platform.keys.ApiKeys;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Validated key creation input. */
public record NewKey(String name, String env, List<String> scopes, Map<String, String> metadata, Instant expiresAt) {

    public static NewKey validate(String name, String env, List<String> scopes, Map<String, String> metadata,
                                  Instant expiresAt, Instant now) {
        List<FieldError> errors = new ArrayList<>();
        if (name == null || name.isBlank()) {
            errors.add(new FieldError("name", "is required"));
        } else if (name.length() > 100) {
            errors.add(new FieldError("name", "must be at most 100 characters"));
        }
        String e = env == null ? ApiKeys.LIVE : env;
        if (!ApiKeys.LIVE.equals(e) && !ApiKeys.TEST.equals(e)) {
            errors.add(new FieldError("env", "must be live or test"));
        }
        if (scopes != null) {
            for (int i = 0; i < scopes.size(); i++) {
                if (scopes.get(i) == null || scopes.get(i).isBlank()) {
                    errors.add(new FieldError("scopes[" + i + "]", "must not be empty"));
                }
            }
        }
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            errors.add(new FieldError("expires_at", "must be in the future"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new NewKey(name.strip(), e, scopes == null ? List.of() : List.copyOf(scopes),
                metadata == null ? Map.of() : Map.copyOf(metadata), expiresAt);
    }
}
