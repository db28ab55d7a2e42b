package dev.apimon.key.keys.domain;

import java.time.Instant;
import java.util.List;

/**
 * The {@code keys.events} payload. The topic is compacted and keyed by customer id (ordering per customer), so
 * each record carries the customer's whole key set: the latest record alone rebuilds quota-service's view.
 */
public record KeysSnapshot(String customerId, List<Entry> keys) {
    public record Entry(String id, String keyHash, String start, String env, List<String> scopes, Instant expiresAt,
                        Instant revokedAt) {
    }
}
