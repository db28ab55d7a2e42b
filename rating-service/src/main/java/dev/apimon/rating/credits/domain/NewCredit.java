package dev.apimon.rating.credits.domain;

import dev.apimon.platform.json.InputBounds;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Set;

/** Validated input of a grant or top-up. */
public record NewCredit(String kind, BigDecimal amount, String currency, int priority, Instant expiresAt, String description) {
    private static final Set<String> KINDS = Set.of("promotional", "prepaid", "grant");

    public static NewCredit validate(String kind, String amount, String currency, Integer priority, String expiresAt,
                                     String description, Instant now) {
        List<FieldError> errors = new ArrayList<>();
        if (kind == null || !KINDS.contains(kind)) {
            errors.add(new FieldError("kind", "must be promotional, prepaid or grant"));
        }
        BigDecimal a = amount == null ? null : InputBounds.decimal(amount);
        if (amount != null && a == null) {
            errors.add(new FieldError("amount", "must be a decimal amount such as \"50.00\" (" + InputBounds.DECIMAL_RULE + ")"));
        }
        if (amount == null) {
            errors.add(new FieldError("amount", "is required"));
        } else if (a != null && a.signum() <= 0) {
            errors.add(new FieldError("amount", "must be positive"));
        }
        Integer digits = null;
        if (currency == null || !currency.matches("[A-Z]{3}")) {
            errors.add(new FieldError("currency", "must be an ISO 4217 code such as USD"));
        } else {
            try {
                digits = Currency.getInstance(currency).getDefaultFractionDigits();
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError("currency", "'" + currency + "' is not an ISO 4217 currency"));
            }
        }
        if (a != null && digits != null && digits >= 0 && a.stripTrailingZeros().scale() > digits) {
            errors.add(new FieldError("amount", "has more decimals than " + currency + " allows (" + digits + ")"));
        }
        if (priority != null && (priority < 0 || priority > 1000)) {
            errors.add(new FieldError("priority", "must be between 0 and 1000"));
        }
        Instant exp = null;
        if (expiresAt != null) {
            try {
                exp = Instant.parse(expiresAt);
                if (!InputBounds.inRange(exp)) {
                    errors.add(new FieldError("expires_at", InputBounds.INSTANT_RULE));
                } else if (!exp.isAfter(now)) {
                    errors.add(new FieldError("expires_at", "must be in the future"));
                }
            } catch (RuntimeException e) {
                errors.add(new FieldError("expires_at", "must be an RFC 3339 UTC time"));
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new NewCredit(kind, a, currency, priority == null ? 100 : priority, exp, description);
    }
}
