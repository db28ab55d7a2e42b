package dev.apimon.platform.keys;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * API key format shared by key-service (which issues keys) and quota-service (which checks them):
 * {@code sk_<env>_<22 base62 random chars = 131 bits><6 base62 chars of CRC32 checksum>}. The checksum lets a
 * typo or a truncated key be rejected without any lookup. Keys are stored and published only as
 * HMAC-SHA256(pepper, key): a leaked table cannot be reversed or brute-forced without the server-side pepper.
 */
public final class ApiKeys {
    public static final String LIVE = "live";
    public static final String TEST = "test";
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final int RANDOM_CHARS = 22;
    private static final int CHECKSUM_CHARS = 6;
    private static final int START_CHARS = 12;
    private static final String LIVE_PREFIX = "sk_live_";
    private static final String TEST_PREFIX = "sk_test_";
    private static final int KEY_LENGTH = LIVE_PREFIX.length() + RANDOM_CHARS + CHECKSUM_CHARS;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    public static String generate(String env) {
        if (!LIVE.equals(env) && !TEST.equals(env)) {
            throw new IllegalArgumentException("env must be live or test");
        }
        StringBuilder sb = new StringBuilder("sk_").append(env).append('_');
        for (int i = 0; i < RANDOM_CHARS; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.append(checksum(sb.toString())).toString();
    }

    /** The environment of a well-formed key (checksum verified), or empty for anything else. */
    public static Optional<String> envOf(String key) {
        return Optional.ofNullable(envOrNull(key));
    }

    /**
     * {@link #envOf} without the Optional, for the per-request path: checked character by character (no regular
     * expression, no substrings), the checksum over the key's own characters.
     */
    public static String envOrNull(String key) {
        if (key == null || key.length() != KEY_LENGTH) {
            return null;
        }
        String env = key.startsWith(LIVE_PREFIX) ? LIVE : key.startsWith(TEST_PREFIX) ? TEST : null;
        if (env == null) {
            return null;
        }
        for (int i = LIVE_PREFIX.length(); i < KEY_LENGTH; i++) {
            char c = key.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return null;
            }
        }
        int bodyEnd = KEY_LENGTH - CHECKSUM_CHARS;
        long crc = crc(key, bodyEnd);
        for (int i = 0; i < CHECKSUM_CHARS; i++) {
            if (key.charAt(bodyEnd + i) != checksumChar(crc, i)) {
                return null;
            }
        }
        return env;
    }

    public static boolean isWellFormed(String key) {
        return envOf(key).isPresent();
    }

    /** The first characters, kept for display ("sk_live_AbCd"). */
    public static String start(String key) {
        return key.substring(0, Math.min(START_CHARS, key.length()));
    }

    public static String hash(String key, String pepper) {
        if (pepper == null || pepper.length() < 16) {
            throw new IllegalStateException("the API key pepper must be configured (at least 16 characters)");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(pepper.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    static String checksum(String body) {
        long crc = crc(body, body.length());
        char[] out = new char[CHECKSUM_CHARS];
        for (int i = 0; i < CHECKSUM_CHARS; i++) {
            out[i] = checksumChar(crc, i);
        }
        return new String(out);
    }

    /** CRC-32 of the first {@code end} characters, all ASCII (a key's characters are). */
    private static long crc(CharSequence s, int end) {
        CRC32 crc = new CRC32();
        for (int i = 0; i < end; i++) {
            crc.update(s.charAt(i));
        }
        return crc.getValue();
    }

    /** The {@code i}-th character (0 = first) of the checksum: the CRC in base 62, most significant digit first. */
    private static char checksumChar(long crc, int i) {
        for (int k = CHECKSUM_CHARS - 1; k > i; k--) {
            crc /= ALPHABET.length();
        }
        return ALPHABET.charAt((int) (crc % ALPHABET.length()));
    }
}
