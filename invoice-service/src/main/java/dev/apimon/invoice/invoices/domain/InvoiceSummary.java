package dev.apimon.invoice.invoices.domain;

import java.math.BigDecimal;
import java.time.Instant;

public record InvoiceSummary(String id, String number, String customerId, String status, String currency,
                             Instant periodStart, Instant periodEnd, BigDecimal subtotal, BigDecimal tax, BigDecimal total) {
}
