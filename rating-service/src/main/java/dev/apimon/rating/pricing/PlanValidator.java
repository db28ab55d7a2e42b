package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks a plan version before it is saved or published; returns every violation with its snake_case JSON path. */
public final class PlanValidator {

    private static final Pattern CODE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Set<String> INTERVALS = Set.of("month", "year");
    private static final Set<String> ENFORCEMENTS = Set.of("hard", "soft");

    public List<Violation> validate(PlanVersion p) {
        Objects.requireNonNull(p, "plan");
        Violations v = new Violations();
        if (v.required("code", p.code()) && !CODE.matcher(p.code()).matches()) {
            v.add("code", "must match " + CODE.pattern());
        }
        v.required("name", p.name());
        currency(v, p.currency());
        v.oneOf("interval", p.interval(), INTERVALS, "month, year");
        v.nonNegative("fee", p.fee());
        v.nonNegative("minimum_commitment", p.minimumCommitment());
        if (p.creditGrant() != null) {
            creditGrant(v, p.creditGrant());
        }
        rateLimits(v, p.rateLimits());
        quotas(v, p.quotas());
        new ChargeValidator(v).charges(p.charges());
        return v.list();
    }

    private static void currency(Violations v, String code) {
        if (!v.required("currency", code)) {
            return;
        }
        if (!CURRENCY.matcher(code).matches()) {
            v.add("currency", "must be an ISO 4217 code (3 uppercase letters)");
            return;
        }
        try {
            if (Currency.getInstance(code).getDefaultFractionDigits() < 0) {
                // e.g. XAU: no minor unit, so line amounts could not be rounded
                v.add("currency", "has no minor units and cannot be priced");
            }
        } catch (IllegalArgumentException e) {
            v.add("currency", "is not an ISO 4217 currency");
        }
    }

    private static final java.math.BigDecimal GRANT_LIMIT = java.math.BigDecimal.TEN.pow(20);

    private static void creditGrant(Violations v, CreditGrant g) {
        if (v.required("credit_grant.amount", g.amount()) && g.amount().signum() <= 0) {
            v.add("credit_grant.amount", "must be > 0");
        } else if (g.amount() != null && (g.amount().compareTo(GRANT_LIMIT) >= 0 || g.amount().stripTrailingZeros().scale() > 10)) {
            // what each period's grant is stored as (NUMERIC(30, 10)): refused here, not when a subscriber's period starts
            v.add("credit_grant.amount", "must be below 10^20 with at most 10 decimals");
        }
        if (g.expiresAfter() != null) {
            try {
                Period period = Period.parse(g.expiresAfter());
                if (period.isZero() || period.isNegative()) {
                    v.add("credit_grant.expires_after", "must be a positive period");
                } else if (period.toTotalMonths() > 1200 || period.getDays() > 36_600) {
                    v.add("credit_grant.expires_after", "must be at most 100 years");
                }
            } catch (DateTimeParseException e) {
                v.add("credit_grant.expires_after", "must be an ISO-8601 period such as P1M");
            }
        }
        if (g.priority() != null && (g.priority() < 0 || g.priority() > 1000)) {
            v.add("credit_grant.priority", "must be between 0 and 1000");
        }
    }

    private static void rateLimits(Violations v, List<RateLimit> limits) {
        if (limits == null) {
            return;
        }
        Map<String, Integer> firstByName = new HashMap<>();
        for (int i = 0; i < limits.size(); i++) {
            String path = "rate_limits[" + i + "]";
            RateLimit r = limits.get(i);
            if (r == null) {
                v.add(path, "must not be null");
                continue;
            }
            if (v.required(path + ".name", r.name())) {
                Integer first = firstByName.putIfAbsent(r.name(), i);
                if (first != null) {
                    v.add(path + ".name", "must be unique; also used by rate_limits[" + first + "]");
                }
            }
            if (v.required(path + ".limit", r.limit()) && r.limit() <= 0) {
                v.add(path + ".limit", "must be > 0");
            }
            window(v, path + ".window", r.window());
        }
    }

    private static void window(Violations v, String field, String window) {
        if (!v.required(field, window)) {
            return;
        }
        try {
            Duration d = Duration.parse(window);
            if (d.isZero() || d.isNegative()) {
                v.add(field, "must be a positive duration");
            }
        } catch (DateTimeParseException e) {
            v.add(field, "must be an ISO-8601 duration such as PT1M");
        }
    }

    private static void quotas(Violations v, List<Quota> quotas) {
        if (quotas == null) {
            return;
        }
        for (int i = 0; i < quotas.size(); i++) {
            String path = "quotas[" + i + "]";
            Quota q = quotas.get(i);
            if (q == null) {
                v.add(path, "must not be null");
                continue;
            }
            v.required(path + ".meter", q.meter());
            if (v.required(path + ".limit", q.limit())) {
                v.nonNegative(path + ".limit", BigDecimal.valueOf(q.limit()));
            }
            v.oneOf(path + ".enforcement", q.enforcement(), ENFORCEMENTS, "hard, soft");
        }
    }
}
