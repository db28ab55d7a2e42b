package dev.apimon.invoice.invoices.domain;

import java.math.BigDecimal;
import java.time.Instant;

/** A credit against a finalized invoice; the amount is deducted from the customer's next invoice. */
public record CreditNote(String id, String number, String invoiceId, String customerId, String currency, BigDecimal amount,
                         String reason, Instant createdAt) {
}
