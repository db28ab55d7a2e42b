package dev.apimon.key.customers.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.key.customers.domain.Customer;
import dev.apimon.key.customers.domain.NewCustomer;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON Merge Patch (RFC 7396) of a customer: a present field replaces the value, {@code null} clears it;
 * {@code attributes} merges key by key ({@code null} removes a key, {@code "attributes": null} removes all).
 */
final class CustomerPatch {
    private CustomerPatch() {
    }

    static NewCustomer apply(Customer current, JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            throw ProblemException.invalid("body", "a JSON object (merge patch) is required");
        }
        List<FieldError> errors = new ArrayList<>();
        String externalId = current.externalId();
        String name = current.name();
        String email = current.email();
        String currency = current.currency();
        Map<String, String> attributes = new LinkedHashMap<>(current.attributes());
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode v = f.getValue();
            switch (f.getKey()) {
                case "external_id" -> externalId = text(v, "external_id", errors);
                case "name" -> name = text(v, "name", errors);
                case "email" -> email = text(v, "email", errors);
                case "currency" -> currency = text(v, "currency", errors);
                case "attributes" -> {
                    if (v.isNull()) {
                        attributes.clear();
                    } else if (!v.isObject()) {
                        errors.add(new FieldError("attributes", "must be an object or null"));
                    } else {
                        for (Iterator<Map.Entry<String, JsonNode>> a = v.fields(); a.hasNext(); ) {
                            Map.Entry<String, JsonNode> e = a.next();
                            if (e.getValue().isNull()) {
                                attributes.remove(e.getKey());
                            } else if (e.getValue().isValueNode()) {
                                attributes.put(e.getKey(), e.getValue().asText());
                            } else {
                                errors.add(new FieldError("attributes." + e.getKey(), "must be a string, number, boolean or null"));
                            }
                        }
                    }
                }
                case "status" -> errors.add(new FieldError("status", "is read-only; archive with POST /v1/customers/{id}/archive"));
                case "id", "created_at", "updated_at" -> errors.add(new FieldError(f.getKey(), "is read-only"));
                default -> errors.add(new FieldError(f.getKey(), "is not a customer field"));
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return NewCustomer.validate(externalId, name, email, currency, attributes);
    }

    private static String text(JsonNode v, String field, List<FieldError> errors) {
        if (v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            errors.add(new FieldError(field, "must be a string or null"));
            return null;
        }
        return v.asText();
    }
}
