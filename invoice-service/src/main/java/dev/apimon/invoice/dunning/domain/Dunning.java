package dev.apimon.invoice.dunning.domain;

import java.time.Instant;

/**
 * The collection state of one unpaid invoice after a failed payment: {@code retrying} (a retry is scheduled),
 * {@code delinquent} (the schedule is exhausted: the customer was reported delinquent), {@code recovered} (paid
 * later), {@code closed} (voided or written off).
 */
public record Dunning(String invoiceId, String customerId, String status, int failures, Instant firstFailedAt, Instant lastFailedAt,
                      Instant nextRetryAt, Instant updatedAt) {
    public static final String RETRYING = "retrying";
    public static final String DELINQUENT = "delinquent";
    public static final String RECOVERED = "recovered";
    public static final String CLOSED = "closed";
}
