package dev.apimon.invoice.invoices.domain;

import dev.apimon.invoice.credits.domain.CreditReversals;
import dev.apimon.invoice.invoices.store.AdjustmentStore;
import dev.apimon.invoice.invoices.store.CreditNoteStore;
import dev.apimon.invoice.invoices.store.InvoiceStore;
import dev.apimon.invoice.invoices.store.NumberSequence;
import dev.apimon.invoice.stripe.domain.StripeConfig;
import dev.apimon.invoice.stripe.domain.SyncJob;
import dev.apimon.invoice.stripe.store.StripeSyncStore;
import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.problem.ProblemException;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * What an operator may do to an invoice. A draft can take extra lines; a finalized invoice never changes (409):
 * it is corrected by voiding it (unpaid) or by a credit note (deducted from the customer's next invoice).
 */
@Singleton
public class InvoiceService {
    public static final String IMMUTABLE = "INVOICE_IMMUTABLE";

    private final AgroalDataSource db;
    private final InvoiceStore invoices;
    private final AdjustmentStore adjustments;
    private final CreditNoteStore creditNotes;
    private final InvoiceDrafts drafts;
    private final NumberSequence numbers;
    private final InvoiceEvents events;
    private final StripeSyncStore stripe;
    private final StripeConfig stripeConfig;
    private final CreditReversals creditReversals;
    private final Clock clock;

    public InvoiceService(AgroalDataSource db, InvoiceStore invoices, AdjustmentStore adjustments, CreditNoteStore creditNotes,
                          InvoiceDrafts drafts, NumberSequence numbers, InvoiceEvents events, StripeSyncStore stripe,
                          StripeConfig stripeConfig, CreditReversals creditReversals, Clock clock) {
        this.db = db;
        this.invoices = invoices;
        this.adjustments = adjustments;
        this.creditNotes = creditNotes;
        this.drafts = drafts;
        this.numbers = numbers;
        this.events = events;
        this.stripe = stripe;
        this.stripeConfig = stripeConfig;
        this.creditReversals = creditReversals;
        this.clock = clock;
    }

    /** Adds a line to a draft (an operator's correction before finalization). */
    public Invoice addLine(String invoiceId, String description, BigDecimal amount, String idempotencyKey) throws SQLException {
        Transactions.run(db, c -> {
            Invoice inv = locked(c, invoiceId);
            if (!inv.isDraft()) {
                throw ProblemException.conflict(IMMUTABLE, "invoice " + label(inv) + " is " + inv.status()
                        + ": finalized invoices never change; void it or issue a credit note");
            }
            if (amount.scale() > Money.digits(inv.currency())) {
                throw ProblemException.invalid("amount", "has more decimals than " + inv.currency() + " allows");
            }
            Instant now = clock.instant();
            if (adjustments.insertManual(c, new Adjustment(Ids.next("adj_", now), inv.customerId(), inv.currency(), Adjustment.MANUAL,
                    description, amount, inv.id(), inv.id(), now), idempotencyKey)) {
                drafts.regenerate(c, inv, inv.inputs(), inv.inputs().creditsPreview(), now);
            }
        });
        return invoices.find(invoiceId).orElseThrow();
    }

    /**
     * Voids an invoice that is not paid: its number stays used (no gap), its corrections go to the next invoice, the
     * credits it burnt are given back (rating-service, through the credit reversal outbox), Stripe is told. A paid
     * invoice is corrected with a credit note instead.
     */
    public Invoice voidInvoice(String invoiceId, String reason) throws SQLException {
        Transactions.run(db, c -> {
            Invoice inv = locked(c, invoiceId);
            if (Invoice.PAID.equals(inv.status())) {
                throw ProblemException.conflict(IMMUTABLE, "invoice " + label(inv) + " is paid: correct it with a credit note");
            }
            if (Invoice.VOID.equals(inv.status())) {
                throw ProblemException.conflict(IMMUTABLE, "invoice " + label(inv) + " is already void");
            }
            Instant now = clock.instant();
            invoices.markVoid(c, inv.id(), reason, now);
            adjustments.release(c, inv.id());
            creditReversals.voided(c, inv, now); // the credits it burnt go back to the customer
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM invoice_adjustments WHERE source_invoice_id = ? AND kind = 'balance' "
                    + "AND applied_invoice_id IS NULL")) {
                ps.setString(1, inv.id()); // a void invoice carries no balance forward
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE dunning SET status = 'closed', next_retry_at = NULL, updated_at = ? "
                    + "WHERE invoice_id = ? AND status IN ('retrying', 'delinquent')")) {
                ps.setTimestamp(1, java.sql.Timestamp.from(now));
                ps.setString(2, inv.id());
                ps.executeUpdate();
            }
            if (!inv.isDraft()) {
                events.publish(c, inv, "voided", Invoice.VOID, inv.number(), inv.total());
                Optional<SyncJob> push = stripe.find(c, inv.id(), SyncJob.PUSH, true);
                if (push.isPresent() && push.get().stripeInvoiceId() == null) {
                    stripe.cancel(c, inv.id(), SyncJob.PUSH, "invoice voided before it reached Stripe", now);
                } else if (push.isPresent()) {
                    stripe.enqueue(c, inv.id(), SyncJob.VOID, stripeConfig.enabled() ? SyncJob.PENDING : SyncJob.DISABLED, null, now);
                }
            }
        });
        events.flushSoon();
        return invoices.find(invoiceId).orElseThrow();
    }

    /** A credit note for part or all of a finalized invoice; the customer's next invoice deducts it. */
    public CreditNote creditNote(String invoiceId, BigDecimal amount, String reason, String idempotencyKey) throws SQLException {
        CreditNote[] out = new CreditNote[1];
        Transactions.run(db, c -> {
            if (idempotencyKey != null) {
                Optional<CreditNote> previous = creditNotes.byIdempotencyKey(c, invoiceId, idempotencyKey);
                if (previous.isPresent()) {
                    out[0] = previous.get();
                    return;
                }
            }
            Invoice inv = locked(c, invoiceId);
            if (inv.isDraft() || Invoice.VOID.equals(inv.status())) {
                throw ProblemException.conflict("INVOICE_NOT_CREDITABLE", "invoice " + label(inv) + " is " + inv.status()
                        + ": only finalized invoices take credit notes (a draft can still be changed, a void one owes nothing)");
            }
            if (amount.scale() > Money.digits(inv.currency())) {
                throw ProblemException.invalid("amount", "has more decimals than " + inv.currency() + " allows");
            }
            BigDecimal left = inv.total().subtract(creditNotes.credited(c, inv.id()));
            if (amount.compareTo(left) > 0) {
                throw ProblemException.invalid("amount", "exceeds what is left to credit on " + inv.number() + " ("
                        + Money.display(left, inv.currency()).toPlainString() + " " + inv.currency() + ")");
            }
            Instant now = clock.instant();
            String number = numbers.next(c, NumberSequence.CREDIT_NOTE, now.atZone(ZoneOffset.UTC).getYear());
            CreditNote n = new CreditNote(Ids.next("cn_", now), number, inv.id(), inv.customerId(), inv.currency(),
                    Money.display(amount, inv.currency()), reason, now);
            creditNotes.insert(c, n, idempotencyKey);
            adjustments.insert(c, new Adjustment(Ids.next("adj_", now), inv.customerId(), inv.currency(), Adjustment.CREDIT_NOTE,
                    "Credit note " + number + " (" + inv.number() + ")", amount.negate(), inv.id(), null, now));
            out[0] = n;
        });
        return out[0];
    }

    private Invoice locked(Connection c, String invoiceId) throws SQLException {
        return invoices.find(c, invoiceId, true).orElseThrow(() -> ProblemException.notFound("invoice", invoiceId));
    }

    private static String label(Invoice inv) {
        return inv.number() != null ? inv.number() : inv.id();
    }
}
