package dev.apimon.invoice.stripe.domain;

import java.time.Instant;

/**
 * One Stripe action for one invoice: {@code push} (customer, invoice, items, finalize), {@code void}, or
 * {@code pay-<n>} (a dunning retry). Progress (the Stripe ids, how many items exist) is recorded step by step.
 */
public record SyncJob(String invoiceId, String action, String status, int attempts, Instant nextAttemptAt, Instant lastAttemptAt,
                      String lastError, String stripeCustomerId, String stripeInvoiceId, int itemsSynced, Instant createdAt,
                      Instant updatedAt) {
    public static final String PUSH = "push";
    public static final String VOID = "void";
    public static final String PENDING = "pending";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String DISABLED = "disabled";
    public static final String CANCELED = "canceled";

    public static String pay(int attempt) {
        return "pay-" + attempt;
    }
}
