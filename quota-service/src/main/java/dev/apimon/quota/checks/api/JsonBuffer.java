package dev.apimon.quota.checks.api;

import io.vertx.core.buffer.Buffer;

/**
 * Writes JSON straight into the Vert.x {@link Buffer} the response is sent from: the check's answer is encoded to
 * UTF-8 once, without the {@code StringBuilder} → {@code String} → {@code byte[]} copies in between (those were
 * about a quarter of the bytes a check allocated, and allocation is what the young collections cost).
 */
final class JsonBuffer {
    private static final String HEX = "0123456789abcdef";

    private final Buffer out;

    JsonBuffer(int capacity) {
        out = Buffer.buffer(capacity);
    }

    /** ASCII text the writer itself chose (names, punctuation, enum constants): copied without escaping. */
    JsonBuffer raw(String ascii) {
        for (int i = 0, n = ascii.length(); i < n; i++) {
            out.appendByte((byte) ascii.charAt(i));
        }
        return this;
    }

    JsonBuffer raw(char ascii) {
        out.appendByte((byte) ascii);
        return this;
    }

    JsonBuffer bool(boolean b) {
        return raw(b ? "true" : "false");
    }

    /** A decimal integer, digit by digit (no {@code Long.toString} garbage). */
    JsonBuffer number(long v) {
        if (v == Long.MIN_VALUE) {
            return raw(Long.toString(v)); // its magnitude has no positive long
        }
        if (v < 0) {
            raw('-');
            v = -v;
        }
        long div = 1;
        while (v / div >= 10) {
            div *= 10;
        }
        for (; div > 0; div /= 10) {
            out.appendByte((byte) ('0' + v / div % 10));
        }
        return this;
    }

    /**
     * A JSON string literal as Jackson writes it: quotes, backslashes and control characters escaped, everything
     * else as UTF-8 (reasons quote the caller's operation, so any character can occur). An unpaired surrogate
     * becomes {@code ?}, as {@code String.getBytes(UTF_8)} wrote it before.
     */
    JsonBuffer string(String s) {
        out.appendByte((byte) '"');
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                ascii(c);
            } else if (c < 0x800) {
                out.appendByte((byte) (0xC0 | c >> 6)).appendByte((byte) (0x80 | c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out.appendByte((byte) (0xF0 | cp >> 18)).appendByte((byte) (0x80 | cp >> 12 & 0x3F))
                        .appendByte((byte) (0x80 | cp >> 6 & 0x3F)).appendByte((byte) (0x80 | cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                out.appendByte((byte) '?');
            } else {
                out.appendByte((byte) (0xE0 | c >> 12)).appendByte((byte) (0x80 | c >> 6 & 0x3F))
                        .appendByte((byte) (0x80 | c & 0x3F));
            }
        }
        out.appendByte((byte) '"');
        return this;
    }

    private void ascii(char c) {
        if (c == '"' || c == '\\') {
            out.appendByte((byte) '\\').appendByte((byte) c);
        } else if (c >= 0x20) {
            out.appendByte((byte) c);
        } else {
            switch (c) {
                case '\n' -> raw("\\n");
                case '\r' -> raw("\\r");
                case '\t' -> raw("\\t");
                case '\b' -> raw("\\b");
                case '\f' -> raw("\\f");
                default -> raw("\\u00").raw(HEX.charAt(c >> 4)).raw(HEX.charAt(c & 0xF));
            }
        }
    }

    Buffer buffer() {
        return out;
    }
}
