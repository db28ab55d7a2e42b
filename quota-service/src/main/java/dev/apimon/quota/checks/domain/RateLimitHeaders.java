package dev.apimon.quota.checks.domain;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The response headers of a decision: the IETF draft fields (draft-ietf-httpapi-ratelimit-headers, structured
 * fields: {@code RateLimit-Policy: "default";q=100;w=60} and {@code RateLimit: "default";r=99;t=1}), one item per
 * limit, plus the widespread {@code X-RateLimit-Limit/Remaining/Reset} for the single most restrictive limit
 * (Reset in seconds from now), and {@code Retry-After} (seconds) when refused by a limit. Item names are unique
 * within a field (see {@link #itemNames}).
 */
public final class RateLimitHeaders {
    private RateLimitHeaders() {
    }

    public static Map<String, String> of(Decision d) {
        Map<String, String> h = new LinkedHashMap<>();
        List<LimitState> limits = d.limits();
        if (!limits.isEmpty()) {
            StringBuilder policy = new StringBuilder();
            StringBuilder current = new StringBuilder();
            List<String> names = itemNames(limits);
            for (int i = 0; i < limits.size(); i++) {
                LimitState l = limits.get(i);
                if (policy.length() > 0) {
                    policy.append(", ");
                    current.append(", ");
                }
                String name = names.get(i);
                policy.append(name).append(";q=").append(l.limit()).append(";w=").append(l.windowSeconds());
                current.append(name).append(";r=").append(l.remaining()).append(";t=").append(l.resetSeconds());
            }
            h.put("RateLimit-Policy", policy.toString());
            h.put("RateLimit", current.toString());
            LimitState m = mostRestrictive(limits);
            h.put("X-RateLimit-Limit", Long.toString(m.limit()));
            h.put("X-RateLimit-Remaining", Long.toString(m.remaining()));
            h.put("X-RateLimit-Reset", Long.toString(m.resetSeconds()));
        }
        if (!d.allowed() && d.retryAfterSeconds() != null) {
            h.put("Retry-After", Long.toString(d.retryAfterSeconds()));
        }
        return h;
    }

    /**
     * One sf-string per limit, in order, unique within the list. A rate limit is named by its name and a quota by its
     * meter, so a plan with a rate limit "api_calls" (or "default") and a quota on the meter of the same name would
     * list two items of one name, and a client could not tell which RateLimit item belongs to which policy. Only a
     * name already taken by an earlier item is changed - to "kind:name" ("quota:api_calls"), then "kind:name#2", ... -
     * so every other name stays what clients already read. Rate limits come first, so they keep theirs.
     */
    static List<String> itemNames(List<LimitState> limits) {
        String[] names = new String[limits.size()];
        Set<String> taken = new HashSet<>();
        for (int i = 0; i < names.length; i++) {
            LimitState l = limits.get(i);
            // compared as written: two names that only differ in characters sfString drops are the same item name
            String name = sfString(l.policyName());
            if (!taken.add(name)) {
                String qualified = l.kind() + ":" + l.policyName();
                name = sfString(qualified);
                for (int n = 2; !taken.add(name); n++) {
                    name = sfString(qualified + "#" + n);
                }
            }
            names[i] = name;
        }
        return List.of(names);
    }

    /** The limit that refused (longest wait first), else the one with the fewest remaining units (soonest reset). */
    static LimitState mostRestrictive(List<LimitState> limits) {
        LimitState best = null;
        for (LimitState l : limits) {
            if (best == null || compare(l, best) < 0) {
                best = l;
            }
        }
        return best;
    }

    private static int compare(LimitState a, LimitState b) {
        if (a.denied() != b.denied()) {
            return a.denied() ? -1 : 1;
        }
        if (a.denied()) {
            return Long.compare(b.retryAfterSeconds(), a.retryAfterSeconds());
        }
        if (a.remaining() != b.remaining()) {
            return Long.compare(a.remaining(), b.remaining());
        }
        return Long.compare(a.resetSeconds(), b.resetSeconds());
    }

    /** An RFC 8941 sf-string: quoted, with backslash and quote escaped; other non-printables dropped. */
    static String sfString(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
