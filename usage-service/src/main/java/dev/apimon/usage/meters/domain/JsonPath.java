package dev.apimon.usage.meters.domain;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSONPath subset meters use to read event data: {@code $}, {@code .name}, {@code ['name']} or
 * {@code ["name"]}, and {@code [index]}. No wildcards, filters or recursion: a meter must read exactly one
 * value per event, so the subset that can only ever select one node is the whole language.
 */
public final class JsonPath {
    private final String text;
    private final List<Object> steps; // String = object member, Integer = array index

    private JsonPath(String text, List<Object> steps) {
        this.text = text;
        this.steps = steps;
    }

    /** Parses {@code expr}; throws IllegalArgumentException with a message fit for a 400 response. */
    public static JsonPath parse(String expr) {
        if (expr == null || expr.isBlank()) {
            throw new IllegalArgumentException("must be a JSONPath such as $.bytes");
        }
        String s = expr.trim();
        if (s.charAt(0) != '$') {
            throw new IllegalArgumentException("must start with $ (e.g. $.bytes)");
        }
        List<Object> steps = new ArrayList<>();
        int i = 1;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if (ch == '.') {
                int start = ++i;
                while (i < s.length() && isNameChar(s.charAt(i))) {
                    i++;
                }
                if (i == start) {
                    throw new IllegalArgumentException("expected a member name after '.' at position " + start);
                }
                steps.add(s.substring(start, i));
            } else if (ch == '[') {
                i++;
                if (i < s.length() && (s.charAt(i) == '\'' || s.charAt(i) == '"')) {
                    char quote = s.charAt(i++);
                    StringBuilder name = new StringBuilder();
                    while (i < s.length() && s.charAt(i) != quote) {
                        if (s.charAt(i) == '\\' && i + 1 < s.length()) {
                            i++;
                        }
                        name.append(s.charAt(i++));
                    }
                    if (i >= s.length()) {
                        throw new IllegalArgumentException("unterminated quoted member name");
                    }
                    i++; // closing quote
                    steps.add(name.toString());
                } else {
                    int start = i;
                    while (i < s.length() && Character.isDigit(s.charAt(i))) {
                        i++;
                    }
                    if (i == start) {
                        throw new IllegalArgumentException("only ['name'] and [index] are supported inside brackets");
                    }
                    if (i - start > 9) {
                        throw new IllegalArgumentException("array index too large");
                    }
                    steps.add(Integer.parseInt(s.substring(start, i)));
                }
                if (i >= s.length() || s.charAt(i) != ']') {
                    throw new IllegalArgumentException("expected ']' at position " + i);
                }
                i++;
            } else {
                throw new IllegalArgumentException("unexpected '" + ch + "' at position " + i
                        + " (supported: $.name, $['name'], $.list[0])");
            }
        }
        return new JsonPath(s, List.copyOf(steps));
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '-';
    }

    /** The selected node, or null when any step is missing (a JSON null is returned as NullNode). */
    public JsonNode read(JsonNode root) {
        JsonNode n = root;
        for (Object step : steps) {
            if (n == null) {
                return null;
            }
            if (step instanceof String name) {
                n = n.isObject() ? n.get(name) : null;
            } else {
                int idx = (Integer) step;
                n = n.isArray() && idx < n.size() ? n.get(idx) : null;
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JsonPath p && p.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
