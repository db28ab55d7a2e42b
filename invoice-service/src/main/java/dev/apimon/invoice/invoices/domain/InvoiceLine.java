package dev.apimon.invoice.invoices.domain;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One invoice line. {@code type}: fee (recurring fee, in advance), usage and proration (from the rated period, in
 * arrears), discount, minimum_commitment, adjustment (late usage, credit notes, manual lines, earlier balances),
 * credit (prepaid credits / grants burnt), balance (a negative total carried to the next invoice), tax.
 * {@code periodStart}/{@code periodEnd} is the service period the line is for.
 */
public record InvoiceLine(String type, String description, String meter, BigDecimal quantity, BigDecimal amount,
                          Instant periodStart, Instant periodEnd) {
    public static final String FEE = "fee";
    public static final String USAGE = "usage";
    public static final String PRORATION = "proration";
    public static final String DISCOUNT = "discount";
    public static final String MINIMUM_COMMITMENT = "minimum_commitment";
    public static final String ADJUSTMENT = "adjustment";
    public static final String CREDIT = "credit";
    public static final String BALANCE = "balance";
    public static final String TAX = "tax";

    public InvoiceLine withAmount(BigDecimal a) {
        return new InvoiceLine(type, description, meter, quantity, a, periodStart, periodEnd);
    }
}
