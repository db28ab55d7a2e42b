package dev.apimon.quota.checks.api;

import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.quota.checks.domain.CheckCommand;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /v1/checks}.
 *
 * @param cost       units this request consumes from every rate limit and from the meter's quota (default 1; 0 peeks)
 * @param meter      the quota meter this request counts against (default {@code apimon.quota.default-meter})
 * @param record     also emit a usage event (needs {@code request_id} or an {@code X-Request-Id} header)
 * @param requestId  the usage event id; a retry of the check (same key, operation, meter and cost) with the same id
 *                   is counted once
 * @param type       the usage event type (default api.request)
 * @param data       extra usage event data (overrides what the check fills in)
 */
public record CheckRequest(String key, String operation, BigDecimal cost, String meter, Boolean record, String requestId,
                           String type, Map<String, Object> data) {
    // hand-written instead of regular expressions: both run on every check (a Matcher per call showed in profiles)
    static boolean isMeterName(String s) {
        if (s.isEmpty() || s.length() > 100) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** 1-200 printable ASCII characters, no spaces. */
    static boolean isToken(String s) {
        if (s.isEmpty() || s.length() > 200) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
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
        if (!isMeterName(m)) {
            errors.add(new FieldError("meter", "must be 1-100 characters of letters, digits, _ . -"));
        }
        boolean rec = Boolean.TRUE.equals(record);
        // a gateway forwards its clients' X-Request-Id as it comes: it is read (and must be a valid event id) only when
        // it becomes one, else a client's odd id would make its every request's check a 400
        String rid = requestId != null ? requestId : rec ? headerRequestId : null;
        if (rid != null && !isToken(rid)) {
            errors.add(new FieldError("request_id", "must be 1-200 printable characters without spaces"));
        } else if (rec && rid == null) {
            errors.add(new FieldError("request_id", "is required when record is true (or send an X-Request-Id header)"));
        }
        String t = type == null ? defaultType : type;
        if (!isToken(t)) {
            errors.add(new FieldError("type", "must be 1-200 printable characters without spaces"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new CheckCommand(key.strip(), operation, c, m, rec, rid, t, data);
    }
}
