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
 * past an entitlement such as "GET /pets/**". Where upstreams disagree, the reading that removes segments wins:
 * a decoded "/" ("%2F") or a "\" separates segments (servers that decode them, Windows servers), and a segment
 * that is "." or ".." before its path parameters ("..;x", which Tomcat and Spring resolve as "..") is one.
 * An upstream that reads them literally then serves a path the check saw as narrower: refused, never widened.
 */
public record Operation(String method, List<String> segments, String feature) {
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
            return new Operation(null, List.of(), name);
        }
        int sp = s.indexOf(' ');
        if (sp <= 0) {
            throw new IllegalArgumentException("must be \"METHOD /path\" or \"feature:name\"");
        }
        String method = s.substring(0, sp).toUpperCase(Locale.ROOT);
        if (!method.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
            throw new IllegalArgumentException("method must be letters only");
        }
        return new Operation(method, normalizePath(s.substring(sp + 1).strip()), null);
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
            if (indexOfAny(d, '/', '\\') < 0) {
                add(out, d);
                continue;
            }
            for (int f = 0, t; f <= d.length(); f = t + 1) {
                t = nextSeparator(d, f);
                if (t > f) {
                    add(out, d.substring(f, t));
                }
            }
        }
        return List.copyOf(out);
    }

    private static int nextSeparator(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '/' || c == '\\') {
                return i;
            }
        }
        return s.length();
    }

    /** Appends one decoded segment, resolving dot segments (with or without path parameters). */
    private static void add(List<String> out, String segment) {
        int semi = segment.indexOf(';');
        String name = semi < 0 ? segment : segment.substring(0, semi);
        if (name.equals(".")) {
            return;
        }
        if (name.equals("..")) {
            if (!out.isEmpty()) {
                out.remove(out.size() - 1);
            }
            return;
        }
        out.add(segment);
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
        return isFeature() ? FEATURE_PREFIX + feature : method + " /" + String.join("/", segments);
    }
}
