package dev.apimon.key.subscriptions.domain;

import java.time.Instant;
import java.util.Map;

/** One append-only subscription_history row: what happened, who did it (and from where), the state after it. */
public record HistoryEntry(long seq, String customerId, String subscriptionId, String action, String actor, String sourceIp,
                           Map<String, Object> details, Map<String, Object> snapshot, Instant at) {
}
