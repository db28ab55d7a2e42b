package dev.apimon.usage.ingest.domain;

import dev.apimon.platform.json.InputBounds;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * RFC 3339 timestamps. The shape gateways send ({@code 2026-11-21T10:00:00Z}, optional fraction) is parsed by
 * hand — it is on the hot path of every ingested event — and everything else by {@link OffsetDateTime#parse}.
 */
public final class Rfc3339 {
    private Rfc3339() {
    }

    /** The instant, or null if the text is not an RFC 3339 timestamp in the years 0001-9999 (UTC). */
    public static Instant parse(String s) {
        Instant i = anyYear(s);
        return i == null || !InputBounds.inRange(i) ? null : i; // years PostgreSQL and JDBC take as written
    }

    private static Instant anyYear(String s) {
        Instant fast = fastUtc(s);
        if (fast != null) {
            return fast;
        }
        // RFC 3339 years have four digits; OffsetDateTime also reads "+999999999-12-31T...", which JDBC cannot bind
        if (s.length() < 5 || digits(s, 0, 4) < 0 || s.charAt(4) != '-') {
            return null;
        }
        try {
            return OffsetDateTime.parse(s.toUpperCase(Locale.ROOT)).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    // yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z
    private static Instant fastUtc(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || (s.charAt(10) != 'T' && s.charAt(10) != 't')
                || s.charAt(13) != ':' || s.charAt(16) != ':' || (s.charAt(n - 1) != 'Z' && s.charAt(n - 1) != 'z')) {
            return null;
        }
        int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
        int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59) {
            return null;
        }
        int nanos = 0;
        if (n > 20) {
            if (s.charAt(19) != '.' || n - 21 < 1 || n - 21 > 9) {
                return null;
            }
            int f = digits(s, 20, n - 21);
            if (f < 0) {
                return null;
            }
            nanos = f;
            for (int i = n - 21; i < 9; i++) {
                nanos *= 10;
            }
        }
        if (day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return null;
        }
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(days * 86400 + hour * 3600L + minute * 60L + second, nanos);
    }

    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
