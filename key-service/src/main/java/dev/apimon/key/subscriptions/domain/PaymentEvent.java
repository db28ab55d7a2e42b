package dev.apimon.key.subscriptions.domain;

import java.time.Instant;

/**
 * A billing.payments event as key-service reads it: {@code type} is {@code succeeded} or {@code failed};
 * {@code finalAttempt} is true when dunning gave up (no retry follows).
 */
public record PaymentEvent(String eventId, String type, String customerId, String invoiceId, Integer attempt, boolean finalAttempt,
                           Instant at) {
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
}
