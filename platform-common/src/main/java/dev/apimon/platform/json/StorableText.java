package dev.apimon.platform.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Text that PostgreSQL's {@code text} and {@code jsonb} can hold. They refuse U+0000, a JSON escape of an unpaired
 * UTF-16 surrogate ({@code "\ud83d"}: a string cut in the middle of an emoji) and bytes that are not UTF-8; Java
 * and Jackson accept all three. Checked where input enters, so such input is refused per field or per event
 * instead of failing a database write later (a 500 on a meter, an event accepted with 202 and then dead-lettered).
 */
public final class StorableText {
    private StorableText() {
    }

    /** Why the string cannot be stored, or null. */
    public static String problem(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) {
                return "must not contain the character U+0000";
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "must not contain an unpaired UTF-16 surrogate";
            }
        }
        return null;
    }

    /** Why a JSON tree's names or strings cannot be stored, or null. */
    public static String problem(JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isTextual()) {
            return problem(n.textValue());
        }
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = problem(e.getKey());
                if (p == null) {
                    p = problem(e.getValue());
                }
                if (p != null) {
                    return p;
                }
            }
        } else if (n.isArray()) {
            for (JsonNode e : n) {
                String p = problem(e);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    /**
     * Why JSON text (UTF-8 bytes, already well-formed JSON) cannot be stored as jsonb, or null: one pass over the
     * bytes, as it runs for every ingested event that carries data.
     */
    public static String jsonProblem(byte[] json) {
        int n = json.length;
        int i = 0;
        while (i < n) {
            int b = json[i] & 0xFF;
            if (b < 0x80) {
                if (b != '\\') {
                    i++;
                } else if (i + 5 < n && json[i + 1] == 'u') {
                    int u = hex4(json, i + 2);
                    if (u == 0) {
                        return "must not contain the character U+0000 (\\u0000)";
                    }
                    if (u >= 0xDC00 && u <= 0xDFFF) {
                        return "must not contain an unpaired UTF-16 surrogate (\\u" + hex(u) + ")";
                    }
                    if (u >= 0xD800 && u <= 0xDBFF) {
                        int low = i + 11 < n && json[i + 6] == '\\' && json[i + 7] == 'u' ? hex4(json, i + 8) : -1;
                        if (low < 0xDC00 || low > 0xDFFF) {
                            return "must not contain an unpaired UTF-16 surrogate (\\u" + hex(u) + ")";
                        }
                        i += 12;
                    } else {
                        i += 6;
                    }
                } else {
                    i += 2; // "\\\\" is one escape: the next backslash starts a new one
                }
                continue;
            }
            int len = utf8Length(json, i);
            if (len < 0) {
                return "must be UTF-8 (a byte sequence at offset " + i + " is not)";
            }
            i += len;
        }
        return null;
    }

    /** The length of the well-formed multi-byte UTF-8 sequence at i (RFC 3629: no surrogates, no overlong forms), or -1. */
    private static int utf8Length(byte[] s, int i) {
        int b = s[i] & 0xFF;
        int len;
        int lo = 0x80, hi = 0xBF; // the second byte's range
        if (b >= 0xC2 && b <= 0xDF) {
            len = 2;
        } else if (b >= 0xE0 && b <= 0xEF) {
            len = 3;
            if (b == 0xE0) {
                lo = 0xA0;
            } else if (b == 0xED) {
                hi = 0x9F; // U+D800..U+DFFF are not characters
            }
        } else if (b >= 0xF0 && b <= 0xF4) {
            len = 4;
            if (b == 0xF0) {
                lo = 0x90;
            } else if (b == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return -1;
        }
        if (i + len > s.length) {
            return -1;
        }
        int second = s[i + 1] & 0xFF;
        if (second < lo || second > hi) {
            return -1;
        }
        for (int k = 2; k < len; k++) {
            int c = s[i + k] & 0xFF;
            if (c < 0x80 || c > 0xBF) {
                return -1;
            }
        }
        return len;
    }

    private static int hex4(byte[] s, int from) {
        int v = 0;
        for (int k = from; k < from + 4; k++) {
            int d = Character.digit((char) s[k], 16);
            if (d < 0) {
                return -1;
            }
            v = v * 16 + d;
        }
        return v;
    }

    private static String hex(int u) {
        return String.format("%04x", u);
    }
}
