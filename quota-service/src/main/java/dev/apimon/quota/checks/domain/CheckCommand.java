package dev.apimon.quota.checks.domain;

import java.util.Map;

/** A validated check: the key, what it is used for, at which cost, and whether to record a usage event. */
public record CheckCommand(String key, String operation, long cost, String meter, boolean record, String requestId,
                           String eventType, Map<String, Object> data) {
}
