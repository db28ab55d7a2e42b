package dev.apimon.invoice.invoices.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** One invoice with its lines. {@code kind}: opening (first period's fee in advance) or period (a period close). */
public record Invoice(String id, String number, String customerId, String subscriptionId, String kind, String status, String currency,
                      Instant periodStart, Instant periodEnd, List<InvoiceLine> lines, BigDecimal subtotal, BigDecimal tax,
                      BigDecimal total, BigDecimal creditsApplied, BigDecimal ratedBasis, String taxRegion, BigDecimal taxRate,
                      String planCode, Integer planVersion, InvoiceInputs inputs, Instant createdAt, Instant finalizeAfter,
                      Instant finalizedAt, Instant paidAt, Instant voidedAt, String voidReason) {

    public static final String DRAFT = "draft";
    public static final String FINALIZED = "finalized";
    public static final String PAID = "paid";
    public static final String VOID = "void";
    public static final String UNCOLLECTIBLE = "uncollectible";
    public static final String OPENING = "opening";
    public static final String PERIOD = "period";

    public boolean isDraft() {
        return DRAFT.equals(status);
    }

    /** Finalized and not settled: money is still due. */
    public boolean isOpen() {
        return FINALIZED.equals(status) || UNCOLLECTIBLE.equals(status);
    }

    public Invoice withLines(List<InvoiceLine> l) {
        return new Invoice(id, number, customerId, subscriptionId, kind, status, currency, periodStart, periodEnd, l, subtotal, tax, total,
                creditsApplied, ratedBasis, taxRegion, taxRate, planCode, planVersion, inputs, createdAt, finalizeAfter, finalizedAt,
                paidAt, voidedAt, voidReason);
    }
}
