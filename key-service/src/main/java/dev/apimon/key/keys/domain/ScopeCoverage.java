package dev.apimon.key.keys.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether a key's scopes stay within its plan's entitlements. Patterns are quota-service's: {@code "*"} (everything),
 * {@code "feature:name"} / {@code "feature:*"}, and {@code "[METHOD|*] /path"} where {@code *} or {@code {name}} is
 * one segment and {@code **} any number of segments; a GET pattern also covers HEAD. A plan that lists no HTTP
 * pattern entitles every operation (features still need to be named). The containment check is sound: a scope it
 * accepts can never match an operation the plan does not entitle (it may reject exotic scopes that would be safe).
 */
public final class ScopeCoverage {
    private ScopeCoverage() {
    }

    /** A parsed pattern. */
    record Pattern(boolean everything, String method, List<String> segments, String feature) {
        boolean isFeature() {
            return feature != null;
        }

        boolean isHttp() {
            return !everything && feature == null;
        }
    }

    /** The problem with a scope, or empty when the plan's entitlements cover it. */
    public static Optional<String> check(String scope, List<String> entitlements) {
        Pattern s;
        try {
            s = parse(scope);
        } catch (IllegalArgumentException e) {
            return Optional.of("is not a valid scope: " + e.getMessage());
        }
        List<Pattern> plan = new ArrayList<>();
        for (String e : entitlements == null ? List.<String>of() : entitlements) {
            try {
                plan.add(parse(e));
            } catch (IllegalArgumentException ignored) {
                // an entitlement quota-service cannot parse matches nothing there, so it covers nothing here
            }
        }
        boolean planRestrictsHttp = plan.stream().anyMatch(p -> p.isHttp() || p.everything());
        if (s.isHttp() && !planRestrictsHttp) {
            return Optional.empty();
        }
        for (Pattern e : plan) {
            if (covers(e, s)) {
                return Optional.empty();
            }
        }
        return Optional.of("'" + scope + "' is not within the plan's entitlements " + entitlements);
    }

    static boolean covers(Pattern e, Pattern s) {
        if (e.everything()) {
            return true;
        }
        if (s.everything()) {
            return false;
        }
        if (s.isFeature()) {
            return e.isFeature() && (e.feature().equals("*") || e.feature().equals(s.feature()));
        }
        if (!e.isHttp()) {
            return false;
        }
        boolean methodOk = e.method() == null
                || (s.method() != null && (e.method().equals(s.method()) || (e.method().equals("GET") && s.method().equals("HEAD"))));
        return methodOk && segments(e.segments(), 0, s.segments(), 0);
    }

    private static boolean segments(List<String> e, int i, List<String> s, int j) {
        if (i == e.size()) {
            return j == s.size();
        }
        String p = e.get(i);
        if (p.equals("**")) {
            for (int k = j; k <= s.size(); k++) {
                if (segments(e, i + 1, s, k)) {
                    return true;
                }
            }
            return false;
        }
        if (j == s.size()) {
            return false;
        }
        String q = s.get(j);
        if (q.equals("**")) {
            return false;
        }
        if (p.equals("*") || p.equals(q)) {
            return segments(e, i + 1, s, j + 1);
        }
        return false;
    }

    static Pattern parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty pattern");
        }
        String t = text.strip();
        if (t.equals("*")) {
            return new Pattern(true, null, null, null);
        }
        if (t.regionMatches(true, 0, "feature:", 0, 8)) {
            String name = t.substring(8);
            if (name.isEmpty() || name.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("feature name must be non-empty without spaces");
            }
            return new Pattern(false, null, null, name);
        }
        String method = null;
        String path = t;
        int sp = t.indexOf(' ');
        if (sp > 0) {
            String m = t.substring(0, sp).toUpperCase(Locale.ROOT);
            method = m.equals("*") || m.equals("ANY") ? null : m;
            if (method != null && !method.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
                throw new IllegalArgumentException("bad method");
            }
            path = t.substring(sp + 1).strip();
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("must be \"METHOD /path\", \"/path\", \"feature:name\" or \"*\"");
        }
        List<String> segs = new ArrayList<>();
        for (String seg : path.split("/")) {
            if (seg.isEmpty()) {
                continue;
            }
            if (seg.equals("*") || seg.equals("**")) {
                segs.add(seg);
            } else if (seg.startsWith("{") && seg.endsWith("}")) {
                segs.add("*");
            } else if (seg.contains("*")) {
                throw new IllegalArgumentException("wildcards must be whole segments");
            } else {
                segs.add(seg);
            }
        }
        return new Pattern(false, method, List.copyOf(segs), null);
    }
}
