package dev.apimon.quota.view.domain;

import dev.apimon.quota.limits.domain.Entitlements;
import java.time.Instant;

/** One API key as keys.events describes it (only its HMAC hash is known here). */
public record KeyRecord(String keyId, String customerId, String keyHash, String env, Entitlements scopes,
                        Instant expiresAt, Instant revokedAt) {
}
