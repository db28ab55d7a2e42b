package dev.apimon.invoice.invoices.domain;

import dev.apimon.invoice.billingruns.domain.BillingConfig;
import dev.apimon.invoice.invoices.store.AdjustmentStore;
import dev.apimon.invoice.invoices.store.InvoiceStore;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/** (Re)generates a draft's lines from its stored inputs and the corrections it took, through the pure generator. */
@Singleton
public class InvoiceDrafts {
    private final InvoiceStore invoices;
    private final AdjustmentStore adjustments;
    private final BillingConfig config;

    public InvoiceDrafts(InvoiceStore invoices, AdjustmentStore adjustments, BillingConfig config) {
        this.invoices = invoices;
        this.adjustments = adjustments;
        this.config = config;
    }

    public InvoiceGenerator.Input input(Connection c, Invoice inv, InvoiceInputs inputs, BigDecimal creditsAvailable) throws SQLException {
        return input(inv, inputs, creditsAvailable, adjustments.appliedTo(c, inv.id()));
    }

    private InvoiceGenerator.Input input(Invoice inv, InvoiceInputs inputs, BigDecimal creditsAvailable, List<Adjustment> applied) {
        List<InvoiceGenerator.Adjustment> adj = new java.util.ArrayList<>();
        for (Adjustment a : applied) {
            adj.add(new InvoiceGenerator.Adjustment(a.description(), a.amount()));
        }
        return new InvoiceGenerator.Input(inv.currency(), config.rounding(), inputs.rated(), inputs.nextFee(), adj, creditsAvailable, inputs.tax());
    }

    /** Writes the draft's lines and amounts (inside the caller's transaction, the invoice row locked or just inserted). */
    public InvoiceGenerator.Result regenerate(Connection c, Invoice inv, InvoiceInputs inputs, BigDecimal creditsAvailable, Instant now)
            throws SQLException {
        return regenerate(c, inv, inputs, creditsAvailable, true, now);
    }

    /** {@code replace}: false for a draft inserted in this transaction (it has no lines yet). */
    public InvoiceGenerator.Result regenerate(Connection c, Invoice inv, InvoiceInputs inputs, BigDecimal creditsAvailable, boolean replace,
                                              Instant now) throws SQLException {
        return regenerate(c, inv, inputs, creditsAvailable, replace, null, now);
    }

    /** {@code applied}: the corrections this invoice took when the caller knows them (null: read them). */
    public InvoiceGenerator.Result regenerate(Connection c, Invoice inv, InvoiceInputs inputs, BigDecimal creditsAvailable, boolean replace,
                                              List<Adjustment> applied, Instant now) throws SQLException {
        InvoiceGenerator.Result r = InvoiceGenerator.generate(input(inv, inputs, creditsAvailable,
                applied != null ? applied : adjustments.appliedTo(c, inv.id())));
        invoices.writeDraft(c, inv.id(), r.lines(), r.subtotal(), r.tax(), r.total(), r.creditsApplied(),
                inputs.rated() == null ? null : r.ratedBasis(), inputs, replace, now);
        return r;
    }
}
