package dev.apimon.invoice.invoices.domain;

import java.security.SecureRandom;
import java.time.Instant;

/**
 * Ids: a prefix, then 9 base36 characters of the creation time (so ids sort roughly by creation, which keeps
 * id-ordered lists chronological) and 11 random ones.
 */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

    private Ids() {
    }

    public static String next(String prefix, Instant now) {
        StringBuilder sb = new StringBuilder(prefix);
        String time = Long.toString(now.toEpochMilli(), 36);
        sb.append("0".repeat(Math.max(0, 9 - time.length()))).append(time);
        for (int i = 0; i < 11; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
