package dev.apimon.key.customers.domain;

import java.security.SecureRandom;

/** Customer ids: "cus_" + 20 base62 characters (~119 random bits), unguessable and URL-safe. */
public final class CustomerIds {
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    private CustomerIds() {
    }

    public static String next() {
        StringBuilder sb = new StringBuilder("cus_");
        for (int i = 0; i < 20; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
