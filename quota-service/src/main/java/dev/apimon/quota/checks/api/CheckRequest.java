package dev.apimon.quota.checks.api;

import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.quota.checks.domain.CheckCommand;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /v1/checks}.
 *
 * @param cost       units this request consumes from every rate limit and from the meter's quota (default 1; 0 peeks)
 * @param meter      the quota meter this request counts against (default {@code apimon.quota.default-meter})
 * @param record     also emit a usage event (needs {@code request_id} or an {@code X-Request-Id} header)
 * @param requestId  the usage event id; a retried check with the same id is counted once
 * @param type       the usage event type (default api.request)
 * @param data       extra usage event data (overrides what the check fills in)
 */
public record CheckRequest(String key, String operation, BigDecimal cost, String meter, Boolean record, String requestId,
                           String type, Map<String, Object> data) {
    private static final Pattern METER = Pattern.compile("[A-Za-z0-9_.\\-]{1,100}");
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]{1,200}");

    /** The last value each pattern accepted: the configured defaults come as the same instance on every check. */
    private static final java.util.Map<Pattern, String> LAST_VALID = new java.util.concurrent.ConcurrentHashMap<>();

    private static boolean valid(Pattern p, String s) {
        if (s == LAST_VALID.get(p)) { // identity, not equals: a match on a different instance proves nothing
            return true;
        }
        if (!p.matcher(s).matches()) {
            return false;
        }
        LAST_VALID.put(p, s);
        return true;
    }

    public CheckCommand validate(String headerRequestId, String defaultMeter, String defaultType, long maxCost) {
        List<FieldError> errors = new ArrayList<>();
        if (key == null || key.isBlank()) {
            errors.add(new FieldError("key", "is required"));
        }
        long c = 1;
        if (cost != null) {
            if (cost.signum() < 0 || cost.stripTrailingZeros().scale() > 0 || cost.compareTo(BigDecimal.valueOf(maxCost)) > 0) {
                errors.add(new FieldError("cost", "must be a whole number between 0 and " + maxCost));
            } else {
                c = cost.longValueExact();
            }
        }
        String m = meter == null ? defaultMeter : meter;
        if (!valid(METER, m)) {
            errors.add(new FieldError("meter", "must be 1-100 characters of letters, digits, _ . -"));
        }
        boolean rec = Boolean.TRUE.equals(record);
        String rid = requestId != null ? requestId : headerRequestId;
        if (rid != null && !TOKEN.matcher(rid).matches()) {
            errors.add(new FieldError("request_id", "must be 1-200 printable characters without spaces"));
        } else if (rec && rid == null) {
            errors.add(new FieldError("request_id", "is required when record is true (or send an X-Request-Id header)"));
        }
        String t = type == null ? defaultType : type;
        if (!valid(TOKEN, t)) {
            errors.add(new FieldError("type", "must be 1-200 printable characters without spaces"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new CheckCommand(key.strip(), operation, c, m, rec, rid, t, data);
    }
}
