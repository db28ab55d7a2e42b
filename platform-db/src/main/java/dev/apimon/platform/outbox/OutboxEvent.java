package dev.apimon.platform.outbox;

/**
 * One event to publish: the Kafka topic and key (the customer id for customer-scoped events), the CloudEvent
 * type and subject, the JSON payload and when it was written (the CloudEvent time). {@code eventId} is the CloudEvent id, stable across retries.
 */
public record OutboxEvent(String eventId, String topic, String key, String type, String subject, String payload,
                          java.time.Instant createdAt) {
}
