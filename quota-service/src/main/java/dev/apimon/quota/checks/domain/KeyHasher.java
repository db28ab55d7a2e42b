package dev.apimon.quota.checks.domain;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256(pepper, key) in hex, exactly as {@code ApiKeys.hash} (key-service publishes these on keys.events),
 * with one initialized Mac per thread: creating a Mac per check would cost more than the rest of the lookup.
 */
public final class KeyHasher {
    private final ThreadLocal<Mac> mac;

    public KeyHasher(String pepper) {
        if (pepper == null || pepper.length() < 16) {
            throw new IllegalStateException("the API key pepper must be configured (at least 16 characters): set APIMON_KEYS_PEPPER");
        }
        SecretKeySpec spec = new SecretKeySpec(pepper.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.mac = ThreadLocal.withInitial(() -> {
            try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(spec);
                return m;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    public String hash(String key) {
        return HexFormat.of().formatHex(mac.get().doFinal(key.getBytes(StandardCharsets.UTF_8)));
    }
}
