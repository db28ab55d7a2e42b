package dev.apimon.key.keys.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A key as the API shows it: masked; {@code key} is set only in the response that created it. */
public record KeyView(String id, String customerId, String name, String env, String start, String key, String status,
                      List<String> scopes, Map<String, String> metadata, Instant expiresAt, Instant revokedAt,
                      String rotatedTo, Instant createdAt) {

    public static KeyView of(ApiKey k, Instant now, String plaintext) {
        return new KeyView(k.id(), k.customerId(), k.name(), k.env(), k.start(), plaintext, k.status(now), k.scopes(),
                k.metadata(), k.expiresAt(), k.revokedAt(), k.rotatedTo(), k.createdAt());
    }
}
