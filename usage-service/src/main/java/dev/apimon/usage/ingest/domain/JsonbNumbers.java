package dev.apimon.usage.ingest.domain;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Numbers PostgreSQL's jsonb can store. jsonb keeps a JSON number as NUMERIC: at most 131072 digits before the point
 * (a base-10000 weight of at most 32767) and 16383 after it (the display scale, trailing zeros included), both with
 * the exponent applied, and it refuses an exponent of 2^30 - 1 or more outright. Jackson reads anything, and
 * {@code 1e1000000000} is one short token: such an event was accepted with 202, then the raw log's {@code ::jsonb}
 * failed ("value overflows numeric format") and it was dead-lettered - anywhere in data, read by a meter or not.
 * <p>
 * A lexical check of the number tokens, one pass over the bytes without a parse (ingest parses data only when a
 * meter reads it); the JSON path is worked out only for a refused event.
 */
public final class JsonbNumbers {
    static final int MAX_INTEGER_DIGITS = 131072;
    static final int MAX_DECIMALS = 16383;
    // numeric_in refuses |exponent| >= INT_MAX / 2 before looking at the digits (even for 0e1073741823)
    static final long MAX_EXPONENT = Integer.MAX_VALUE / 2 - 1;

    // only to name the path of a refused number, which may be longer than Jackson's default limit of 1000 characters
    private static final JsonFactory PATHS = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(Integer.MAX_VALUE).build()).build();

    private JsonbNumbers() {
    }

    /** Why the JSON text (well-formed, UTF-8) holds a number jsonb cannot store, naming its path; or null. */
    public static String problem(byte[] json) {
        int at = firstUnstorable(json);
        return at < 0 ? null : "has a number at " + pathAt(json, at) + " that PostgreSQL cannot store (at most "
                + MAX_INTEGER_DIGITS + " digits before the point and " + MAX_DECIMALS + " after it, the exponent applied)";
    }

    /** The byte offset of the first number token jsonb refuses, or -1. */
    static int firstUnstorable(byte[] s) {
        int n = s.length;
        int i = 0;
        while (i < n) {
            byte b = s[i];
            if (b == '"') { // a string (or a name): skip it, escapes included
                i++;
                while (i < n && s[i] != '"') {
                    i += s[i] == '\\' ? 2 : 1;
                }
                i++;
            } else if (b == '-' || (b >= '0' && b <= '9')) { // outside strings only numbers hold these
                int start = i;
                while (i < n && isNumberByte(s[i])) {
                    i++;
                }
                if (!storable(s, start, i)) {
                    return start;
                }
            } else {
                i++;
            }
        }
        return -1;
    }

    /** Whether jsonb stores the JSON number token {@code s[from, to)}, as PostgreSQL's numeric_in decides. */
    static boolean storable(byte[] s, int from, int to) {
        int i = s[from] == '-' ? from + 1 : from;
        int intStart = i;
        while (i < to && isDigit(s[i])) {
            i++;
        }
        int intEnd = i;
        int fracStart = i;
        if (i < to && s[i] == '.') {
            fracStart = ++i;
            while (i < to && isDigit(s[i])) {
                i++;
            }
        }
        int fracEnd = i;
        long exponent = 0;
        if (i < to && (s[i] == 'e' || s[i] == 'E')) {
            i++;
            boolean negative = i < to && s[i] == '-';
            if (i < to && (s[i] == '-' || s[i] == '+')) {
                i++;
            }
            for (; i < to; i++) {
                exponent = exponent * 10 + (s[i] - '0');
                if (exponent > MAX_EXPONENT) {
                    return false;
                }
            }
            exponent = negative ? -exponent : exponent;
        }
        if (fracEnd - fracStart - exponent > MAX_DECIMALS) { // the scale: every digit after the point, zeros too
            return false;
        }
        // the magnitude: where the first non-zero digit lands (a zero has none and any exponent below the guard)
        for (int k = intStart; k < intEnd; k++) {
            if (s[k] != '0') {
                return intEnd - 1 - k + exponent < MAX_INTEGER_DIGITS;
            }
        }
        for (int k = fracStart; k < fracEnd; k++) {
            if (s[k] != '0') {
                return exponent - (k - fracStart + 1) < MAX_INTEGER_DIGITS;
            }
        }
        return true;
    }

    /** The JSONPath ({@code $.a.b[0]}) of the value token starting at byte {@code offset}; "data" if not found. */
    static String pathAt(byte[] json, int offset) {
        try (JsonParser p = PATHS.createParser(json)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t.isNumeric() && p.currentTokenLocation().getByteOffset() == offset) {
                    return path(p.getParsingContext());
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: the reason still names data
        }
        return "data";
    }

    private static String path(JsonStreamContext ctx) {
        Deque<String> steps = new ArrayDeque<>();
        for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                steps.push("[" + c.getCurrentIndex() + "]");
            } else {
                String name = c.getCurrentName();
                steps.push(isPlainName(name) ? "." + name
                        : "['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']");
            }
        }
        return "$" + String.join("", steps);
    }

    // the names JsonPath reads after a dot
    private static boolean isPlainName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!Character.isLetterOrDigit(c) && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isNumberByte(byte b) {
        return isDigit(b) || b == '.' || b == 'e' || b == 'E' || b == '+' || b == '-';
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
