package dev.apimon.key.keys.domain;

import java.time.Instant;
import java.util.Map;

public record AuditEntry(long seq, String customerId, String keyId, String action, String actor, String sourceIp,
                         Map<String, Object> details, Instant at) {
}
