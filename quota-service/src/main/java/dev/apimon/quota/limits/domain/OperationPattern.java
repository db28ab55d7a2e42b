package dev.apimon.quota.limits.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An entitlement or key-scope pattern: "GET /pets/**", "POST /pets", "* /admin/*", "/pets/{id}" (any method),
 * "feature:webhooks", "feature:*" or "*" (everything). In paths, "*" and "{name}" match exactly one segment and
 * "**" matches zero or more; other segments match literally (case-sensitive). A GET pattern also allows HEAD.
 * A path with a decoded slash or backslash in a segment matches only if it matches both as one segment and split
 * there (see {@link Operation}); a pattern with one ("/@acme%2Fwidgets") is read both ways too.
 */
public final class OperationPattern {
    private final boolean everything;
    private final String method; // null = any method
    private final String[] segments; // null for feature patterns
    private final String[] splitSegments; // null unless a segment has a decoded slash or backslash
    private final String feature; // "*" = any feature

    private OperationPattern(boolean everything, String method, String[] segments, String feature) {
        this.everything = everything;
        this.method = method;
        this.segments = segments;
        List<String> split = segments == null ? null : Operation.split(List.of(segments));
        this.splitSegments = split == null ? null : split.toArray(String[]::new);
        this.feature = feature;
    }

    public static OperationPattern parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty pattern");
        }
        String s = text.strip();
        if (s.equals("*")) {
            return new OperationPattern(true, null, null, null);
        }
        if (s.regionMatches(true, 0, Operation.FEATURE_PREFIX, 0, Operation.FEATURE_PREFIX.length())) {
            String name = s.substring(Operation.FEATURE_PREFIX.length());
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty feature name in " + text);
            }
            return new OperationPattern(false, null, null, name);
        }
        String method = null;
        String path = s;
        int sp = s.indexOf(' ');
        if (sp > 0) {
            String m = s.substring(0, sp).toUpperCase(Locale.ROOT);
            method = m.equals("*") || m.equals("ANY") ? null : m;
            if (method != null && !method.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
                throw new IllegalArgumentException("bad method in " + text);
            }
            path = s.substring(sp + 1).strip();
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with / in " + text);
        }
        List<String> segs = new ArrayList<>();
        for (String seg : path.split("/")) {
            if (seg.isEmpty()) {
                continue;
            }
            if (seg.equals("*") || seg.equals("**") || (seg.startsWith("{") && seg.endsWith("}"))) {
                segs.add(seg.startsWith("{") ? "*" : seg);
            } else if (seg.contains("*")) {
                throw new IllegalArgumentException("wildcards must be whole segments in " + text);
            } else {
                segs.add(Operation.decode(seg));
            }
        }
        return new OperationPattern(false, method, segs.toArray(String[]::new), null);
    }

    public boolean isFeaturePattern() {
        return feature != null;
    }

    public boolean isEverything() {
        return everything;
    }

    public boolean matches(Operation op) {
        if (everything) {
            return true;
        }
        if (op.isFeature()) {
            return feature != null && (feature.equals("*") || feature.equals(op.feature()));
        }
        if (segments == null) {
            return false;
        }
        if (method != null && !method.equals(op.method()) && !(method.equals("GET") && op.method().equals("HEAD"))) {
            return false;
        }
        if (!matchSegments(segments, 0, op.segments(), 0)) {
            return false;
        }
        // a decoded slash or backslash on either side: the split readings must match too (whichever the upstream takes)
        if (op.splitSegments() == null && splitSegments == null) {
            return true;
        }
        return matchSegments(splitSegments != null ? splitSegments : segments, 0,
                op.splitSegments() != null ? op.splitSegments() : op.segments(), 0);
    }

    private static boolean matchSegments(String[] segments, int pi, List<String> path, int si) {
        while (pi < segments.length) {
            String p = segments[pi];
            if (p.equals("**")) {
                if (pi == segments.length - 1) {
                    return true;
                }
                for (int k = si; k <= path.size(); k++) {
                    if (matchSegments(segments, pi + 1, path, k)) {
                        return true;
                    }
                }
                return false;
            }
            if (si >= path.size()) {
                return false;
            }
            if (!p.equals("*") && !p.equals(path.get(si))) {
                return false;
            }
            pi++;
            si++;
        }
        return si == path.size();
    }
}
