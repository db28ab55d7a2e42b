package dev.apimon.invoice.invoices.domain;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A correction waiting for (or taken by) an invoice: late usage of an earlier period, a carried credit balance, a
 * credit note, or a line an operator added to a draft. Never edited: a new correction is a new adjustment.
 */
public record Adjustment(String id, String customerId, String currency, String kind, String description, BigDecimal amount,
                         String sourceInvoiceId, String appliedInvoiceId, Instant createdAt) {
    public static final String LATE_USAGE = "late_usage";
    public static final String BALANCE = "balance";
    public static final String CREDIT_NOTE = "credit_note";
    public static final String MANUAL = "manual";
}
