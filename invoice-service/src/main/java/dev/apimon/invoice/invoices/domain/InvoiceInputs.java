package dev.apimon.invoice.invoices.domain;

import java.math.BigDecimal;

/**
 * What an invoice's lines are generated from, stored with it: the rated period (null for an opening invoice), the
 * fee in advance (null in the subscription's last period), the tax rate of the customer's region (null: none) and
 * the credits rating previewed. Adjustments live in their own table and are read at each generation.
 */
public record InvoiceInputs(InvoiceGenerator.RatedPeriod rated, InvoiceGenerator.Fee nextFee, InvoiceGenerator.Tax tax,
                            BigDecimal creditsPreview) {
}
