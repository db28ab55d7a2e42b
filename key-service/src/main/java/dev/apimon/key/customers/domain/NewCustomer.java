package dev.apimon.key.customers.domain;

import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Validated input of a customer creation; every problem is reported with its field at once. */
public record NewCustomer(String externalId, String name, String email, String currency, Map<String, String> attributes) {
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");

    public static NewCustomer validate(String externalId, String name, String email, String currency,
                                       Map<String, String> attributes) {
        List<FieldError> errors = new ArrayList<>();
        if (name == null || name.isBlank()) {
            errors.add(new FieldError("name", "is required"));
        } else if (name.length() > 200) {
            errors.add(new FieldError("name", "must be at most 200 characters"));
        }
        if (externalId != null && (externalId.isBlank() || externalId.length() > 200)) {
            errors.add(new FieldError("external_id", "must be 1 to 200 characters"));
        }
        if (email != null && !EMAIL.matcher(email).matches()) {
            errors.add(new FieldError("email", "is not an email address"));
        }
        if (currency == null || currency.isBlank()) {
            errors.add(new FieldError("currency", "is required (ISO 4217, e.g. USD)"));
        } else if (!isIso4217(currency)) {
            errors.add(new FieldError("currency", "'" + currency + "' is not an ISO 4217 currency code"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new NewCustomer(externalId, name.strip(), email, currency, attributes == null ? Map.of() : Map.copyOf(attributes));
    }

    static boolean isIso4217(String code) {
        if (!code.matches("[A-Z]{3}")) {
            return false;
        }
        try {
            Currency.getInstance(code);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
