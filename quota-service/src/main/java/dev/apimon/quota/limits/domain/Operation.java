package dev.apimon.quota.limits.domain;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a check asks about: an HTTP operation ("GET /pets/42?x=1") or a feature ("feature:webhooks").
 *
 * <p>The path is normalized the way upstream servers resolve it (query dropped, empty segments collapsed,
 * percent-decoding, "." and ".." resolved) so "GET /pets/../admin" is matched as "GET /admin" and cannot slip
 * past an entitlement such as "GET /pets/**". A dot segment that upstreams resolve differently is refused as
 * malformed: "." or ".." before path parameters ("..;x": Tomcat and Spring resolve it, nginx and Go do not) or
 * behind an encoded slash or a backslash ("a%2F..%2Fx", "..\x": resolved by servers that decode or split them).
 * Whichever reading the check took, some upstream would serve another path. Without dot pieces a decoded "/" or a
 * "\" is read both ways: {@code segments} keeps it inside its segment ("group%2Fproject" is one segment, as most
 * upstreams route it), {@code splitSegments} splits there (as servers that decode or split them serve it), and an
 * entitlement or scope must allow both.
 *
 * @param splitSegments the path as servers that split at decoded slashes and backslashes read it; null when that
 *                      is {@code segments}
 */
public record Operation(String method, List<String> segments, String feature, List<String> splitSegments) {
    public static final String FEATURE_PREFIX = "feature:";

    public boolean isFeature() {
        return feature != null;
    }

    /** Parses an operation; throws IllegalArgumentException with a client-facing message when malformed. */
    public static Operation parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("is required");
        }
        String s = text.strip();
        if (s.regionMatches(true, 0, FEATURE_PREFIX, 0, FEATURE_PREFIX.length())) {
            String name = s.substring(FEATURE_PREFIX.length());
            if (name.isEmpty() || name.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("feature name must be non-empty without spaces");
            }
            return new Operation(null, List.of(), name, null);
        }
        int sp = s.indexOf(' ');
        if (sp <= 0) {
            throw new IllegalArgumentException("must be \"METHOD /path\" or \"feature:name\"");
        }
        String method = s.substring(0, sp).toUpperCase(Locale.ROOT);
        if (!method.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
            throw new IllegalArgumentException("method must be letters only");
        }
        List<String> segments = normalizePath(s.substring(sp + 1).strip());
        return new Operation(method, segments, null, split(segments));
    }

    /** The segments split at '/' and '\' inside them (empty pieces dropped), or null when none has one. */
    static List<String> split(List<String> segments) {
        List<String> out = null;
        for (int i = 0; i < segments.size(); i++) {
            String seg = segments.get(i);
            if (indexOfAny(seg, '/', '\\') < 0) {
                if (out != null) {
                    out.add(seg);
                }
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(segments.subList(0, i));
            }
            for (String piece : seg.split("[/\\\\]")) {
                if (!piece.isEmpty()) {
                    out.add(piece);
                }
            }
        }
        return out == null ? null : List.copyOf(out);
    }

    static List<String> normalizePath(String raw) {
        String p = raw;
        if (p.startsWith("http://") || p.startsWith("https://")) {
            int slash = p.indexOf('/', p.indexOf("//") + 2);
            p = slash < 0 ? "/" : p.substring(slash);
        }
        int q = indexOfAny(p, '?', '#');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        if (!p.startsWith("/")) {
            throw new IllegalArgumentException("path must start with /");
        }
        List<String> out = new ArrayList<>();
        for (int from = 1, to; from <= p.length(); from = to + 1) { // segments between slashes, without split's array
            to = p.indexOf('/', from);
            if (to < 0) {
                to = p.length();
            }
            if (to == from) {
                continue;
            }
            String d = decode(p.substring(from, to));
            if (d.equals(".")) {
                continue;
            }
            if (d.equals("..")) {
                if (!out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
                continue;
            }
            if (hidesDotSegment(d)) {
                throw new IllegalArgumentException("path has a dot segment behind path parameters, an encoded slash or a "
                        + "backslash, which upstream servers resolve differently");
            }
            out.add(d);
        }
        return List.copyOf(out);
    }

    /** Whether a piece of the decoded segment, cut at '/', '\' and ';', is "." or ".." (the whole segment is not). */
    static boolean hidesDotSegment(String d) {
        if (d.indexOf('.') < 0) {
            return false;
        }
        for (int from = 0; from <= d.length(); ) {
            int to = from;
            while (to < d.length() && d.charAt(to) != '/' && d.charAt(to) != '\\' && d.charAt(to) != ';') {
                to++;
            }
            int n = to - from;
            if ((n == 1 && d.charAt(from) == '.') || (n == 2 && d.charAt(from) == '.' && d.charAt(from + 1) == '.')) {
                return true;
            }
            if (to < d.length() && d.charAt(to) == ';') { // path parameters run to the next slash
                while (to < d.length() && d.charAt(to) != '/' && d.charAt(to) != '\\') {
                    to++;
                }
            }
            from = to + 1;
        }
        return false;
    }

    private static int indexOfAny(String s, char a, char b) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == a || c == b) {
                return i;
            }
        }
        return -1;
    }

    static String decode(String seg) {
        if (seg.indexOf('%') < 0) {
            return seg;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(seg.length());
        for (int i = 0; i < seg.length(); i++) {
            char c = seg.charAt(i);
            if (c == '%') {
                if (i + 2 >= seg.length()) {
                    throw new IllegalArgumentException("path has a malformed percent-encoding");
                }
                int hi = Character.digit(seg.charAt(i + 1), 16);
                int lo = Character.digit(seg.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("path has a malformed percent-encoding");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        if (isFeature()) {
            return FEATURE_PREFIX + feature;
        }
        StringBuilder sb = new StringBuilder(method).append(' ');
        for (String seg : segments) { // a slash inside a segment stays encoded: "/a%2Fb" is not "/a/b", nor "/a%252Fb"
            sb.append('/').append(seg.indexOf('/') < 0 && seg.indexOf('%') < 0 ? seg : seg.replace("%", "%25").replace("/", "%2F"));
        }
        return segments.isEmpty() ? sb.append('/').toString() : sb.toString();
    }
}
