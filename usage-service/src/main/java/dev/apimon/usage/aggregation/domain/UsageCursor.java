package dev.apimon.usage.aggregation.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Where a page of a usage query ended: the last row's window index and group values (a keyset, so rows added
 * meanwhile neither shift nor repeat later pages). It carries a fingerprint of the query it belongs to, so a cursor
 * reused with other parameters is refused rather than read against the wrong windows or groups.
 * <p>
 * Wire form: base64url of {@code fingerprint|window|g1|g2...}, each group value written as {@code -} (absent) or
 * {@code +} followed by the value with {@code \} and {@code |} escaped.
 */
public record UsageCursor(String fingerprint, int window, List<String> group) {

    /** A short digest of everything that shapes the rows: a cursor is valid only for the query that made it. */
    public static String fingerprint(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                sha.update((byte) (p == null ? 0 : 1)); // so an absent part differs from the text "null"
                sha.update((p == null ? "" : p).getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String encode() {
        StringBuilder sb = new StringBuilder(fingerprint).append('|').append(window);
        for (String g : group) {
            sb.append('|');
            if (g == null) {
                sb.append('-');
            } else {
                sb.append('+');
                for (int i = 0; i < g.length(); i++) {
                    char c = g.charAt(i);
                    if (c == '\\' || c == '|') {
                        sb.append('\\');
                    }
                    sb.append(c);
                }
            }
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The cursor, or empty when the text is not one this API wrote (forged, truncated, another format). */
    public static Optional<UsageCursor> decode(String text) {
        String s;
        try {
            s = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        List<String> fields = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (++i == s.length()) {
                    return Optional.empty();
                }
                cur.append(s.charAt(i));
            } else if (c == '|') {
                fields.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        fields.add(cur.toString());
        if (fields.size() < 2 || fields.get(0).isEmpty()) {
            return Optional.empty();
        }
        int window;
        try {
            window = Integer.parseInt(fields.get(1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        List<String> group = new ArrayList<>();
        for (String f : fields.subList(2, fields.size())) {
            if (f.equals("-")) {
                group.add(null);
            } else if (f.startsWith("+") && f.indexOf(0) < 0) { // PostgreSQL text cannot hold NUL
                group.add(f.substring(1));
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(new UsageCursor(fields.get(0), window, group));
    }
}
