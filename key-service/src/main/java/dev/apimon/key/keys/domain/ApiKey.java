package dev.apimon.key.keys.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A stored API key: never the key itself, only its peppered hash and its display start. */
public record ApiKey(String id, String customerId, String name, String env, String keyHash, String start,
                     List<String> scopes, Map<String, String> metadata, Instant expiresAt, Instant revokedAt,
                     String rotatedTo, Instant createdAt) {

    public String status(Instant now) {
        if (revokedAt != null) {
            return "revoked";
        }
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            return "expired";
        }
        return "active";
    }
}
