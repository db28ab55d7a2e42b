package dev.apimon.invoice.billingruns.domain;

import dev.apimon.invoice.credits.domain.CreditReversals;
import dev.apimon.invoice.invoices.domain.Adjustment;
import dev.apimon.invoice.invoices.domain.Ids;
import dev.apimon.invoice.invoices.domain.Invoice;
import dev.apimon.invoice.invoices.domain.InvoiceDrafts;
import dev.apimon.invoice.invoices.domain.InvoiceEvents;
import dev.apimon.invoice.invoices.domain.InvoiceGenerator;
import dev.apimon.invoice.invoices.domain.InvoiceInputs;
import dev.apimon.invoice.invoices.store.AdjustmentStore;
import dev.apimon.invoice.invoices.store.InvoiceStore;
import dev.apimon.invoice.invoices.store.NumberSequence;
import dev.apimon.invoice.rating.client.RatingGateway;
import dev.apimon.invoice.stripe.domain.StripeConfig;
import dev.apimon.invoice.stripe.domain.SyncJob;
import dev.apimon.invoice.stripe.store.StripeSyncStore;
import dev.apimon.invoice.subscriptions.domain.Customer;
import dev.apimon.invoice.subscriptions.domain.Subscription;
import dev.apimon.invoice.subscriptions.store.CustomerStore;
import dev.apimon.invoice.subscriptions.store.SubscriptionStore;
import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.time.BillingPeriods;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finalizes a draft: refreshes its inputs (usage that arrived during the grace window counts), burns the credits
 * it applies (rating-service, idempotent per invoice id), then in ONE transaction writes the final lines, takes the
 * next gap-free number, sets finalized — or paid when nothing is due, without Stripe — and writes the
 * {@code billing.invoices} events and the Stripe sync job. From then on the database refuses any change to it.
 */
@Singleton
public class Finalizer {
    private final AgroalDataSource db;
    private final InvoiceStore invoices;
    private final AdjustmentStore adjustments;
    private final SubscriptionStore subscriptions;
    private final CustomerStore customers;
    private final InvoiceInputsCollector collector;
    private final InvoiceDrafts drafts;
    private final NumberSequence numbers;
    private final InvoiceEvents events;
    private final StripeSyncStore stripe;
    private final StripeConfig stripeConfig;
    private final RatingGateway rating;
    private final CreditReversals creditReversals;
    private final BillingConfig config;
    private final Clock clock;

    public Finalizer(AgroalDataSource db, InvoiceStore invoices, AdjustmentStore adjustments, SubscriptionStore subscriptions,
                     CustomerStore customers, InvoiceInputsCollector collector, InvoiceDrafts drafts, NumberSequence numbers,
                     InvoiceEvents events, StripeSyncStore stripe, StripeConfig stripeConfig, RatingGateway rating,
                     CreditReversals creditReversals, BillingConfig config, Clock clock) {
        this.db = db;
        this.invoices = invoices;
        this.adjustments = adjustments;
        this.subscriptions = subscriptions;
        this.customers = customers;
        this.collector = collector;
        this.drafts = drafts;
        this.numbers = numbers;
        this.events = events;
        this.stripe = stripe;
        this.stripeConfig = stripeConfig;
        this.rating = rating;
        this.creditReversals = creditReversals;
        this.config = config;
        this.clock = clock;
    }

    /** Inputs gathered moments ago by the same run: no need to ask rating again. */
    public record Fresh(InvoiceInputs inputs, InvoiceInputsCollector.LateUsage late) {
    }

    public enum Outcome { FINALIZED, PAID, SKIPPED }

    public Outcome finalizeDraft(String invoiceId, Fresh fresh) throws SQLException {
        Invoice inv = invoices.find(invoiceId).orElseThrow(() -> new IllegalStateException("invoice " + invoiceId + " vanished"));
        if (!inv.isDraft()) {
            return Outcome.SKIPPED;
        }
        InvoiceInputs inputs;
        InvoiceInputsCollector.LateUsage late;
        if (fresh != null) {
            inputs = fresh.inputs();
            late = fresh.late();
        } else if (Invoice.PERIOD.equals(inv.kind())) {
            Subscription s;
            Customer customer;
            try (Connection c = db.getConnection()) {
                s = subscriptions.find(c, inv.subscriptionId())
                        .orElseThrow(() -> new IllegalStateException("subscription " + inv.subscriptionId() + " is unknown"));
                customer = customers.find(c, inv.customerId())
                        .orElseThrow(() -> new IllegalStateException("customer " + inv.customerId() + " is unknown"));
            }
            String interval = collector.interval(s);
            var collected = collector.period(s, customer, new BillingPeriods.Period(inv.periodStart(), inv.periodEnd()), interval, inv.id());
            inputs = collected.inputs();
            late = collected.late();
        } else {
            inputs = inv.inputs();
            late = null;
        }

        // what the invoice will apply, to burn before the finalizing transaction (idempotent per invoice id)
        BigDecimal credits = BigDecimal.ZERO;
        if (inputs.creditsPreview() != null && inputs.creditsPreview().signum() > 0) {
            InvoiceGenerator.Result preview;
            try (Connection c = db.getConnection()) {
                List<InvoiceGenerator.Adjustment> adj = new ArrayList<>();
                for (Adjustment a : adjustments.appliedTo(c, inv.id())) {
                    boolean replaced = late != null && Adjustment.LATE_USAGE.equals(a.kind()) && late.sourceInvoiceId().equals(a.sourceInvoiceId());
                    if (!replaced) {
                        adj.add(new InvoiceGenerator.Adjustment(a.description(), a.amount()));
                    }
                }
                if (late != null && late.amount().signum() != 0) {
                    adj.add(new InvoiceGenerator.Adjustment(late.description(), late.amount()));
                }
                preview = InvoiceGenerator.generate(new InvoiceGenerator.Input(inv.currency(), config.rounding(), inputs.rated(),
                        inputs.nextFee(), adj, inputs.creditsPreview(), inputs.tax()));
            }
            if (preview.creditsApplied().signum() > 0) {
                credits = rating.consumeCredits(inv.customerId(), preview.creditsApplied(), inv.currency(), inv.id());
            }
        }

        Outcome[] out = {Outcome.SKIPPED};
        BigDecimal burnt = credits;
        Transactions.run(db, c -> {
            Optional<Invoice> locked = invoices.find(c, invoiceId, true);
            if (locked.isPresent() && Invoice.VOID.equals(locked.get().status())) {
                creditReversals.burntForVoid(c, inv, burnt, clock.instant()); // voided while we burnt its credits
                return;
            }
            if (locked.isEmpty() || !locked.get().isDraft()) {
                return; // another run finalized it meanwhile
            }
            out[0] = finalizeLocked(c, inv, inputs, late, burnt, true);
        });
        if (out[0] != Outcome.SKIPPED) {
            events.flushSoon();
        }
        return out[0];
    }

    /**
     * The finalizing transaction's work, the draft row locked (or inserted by this same transaction): final lines,
     * the next number, finalized or paid, carried balance, billing.invoices events, the Stripe sync job.
     * {@code existing}: false when the draft was inserted in this transaction (no lines to replace).
     */
    Outcome finalizeLocked(Connection c, Invoice inv, InvoiceInputs inputs, InvoiceInputsCollector.LateUsage late, BigDecimal credits,
                           boolean existing) throws SQLException {
        Instant now = clock.instant();
        if (late != null) {
            if (existing) {
                adjustments.dropLateUsage(c, inv.id(), late.sourceInvoiceId());
            }
            if (late.amount().signum() != 0) {
                adjustments.insert(c, new Adjustment(Ids.next("adj_", now), inv.customerId(), inv.currency(), Adjustment.LATE_USAGE,
                        late.description(), late.amount(), late.sourceInvoiceId(), inv.id(), now));
            }
        }
        InvoiceGenerator.Result r = drafts.regenerate(c, inv, inputs, credits, existing, now);
        String status = r.total().signum() == 0 ? Invoice.PAID : Invoice.FINALIZED;
        if (Invoice.FINALIZED.equals(status)) {
            stripe.enqueue(c, inv.id(), SyncJob.PUSH, stripeConfig.enabled() ? SyncJob.PENDING : SyncJob.DISABLED,
                    stripeConfig.enabled() ? null : "Stripe sync is disabled: STRIPE_API_KEY is not configured", now);
        }
        // the number comes last: its counter row stays locked until commit, so everything else is done before
        String number = numbers.next(c, NumberSequence.INVOICE, now.atZone(ZoneOffset.UTC).getYear());
        invoices.finalizeDraft(c, inv.id(), number, status, now);
        if (r.carriedForward().signum() > 0) {
            adjustments.insert(c, new Adjustment(Ids.next("adj_", now), inv.customerId(), inv.currency(), Adjustment.BALANCE,
                    "Credit balance from " + number, r.carriedForward().negate(), inv.id(), null, now));
        }
        events.publish(c, inv, "finalized", status, number, r.total());
        if (Invoice.PAID.equals(status)) {
            events.publish(c, inv, "paid", status, number, r.total());
        }
        return Invoice.PAID.equals(status) ? Outcome.PAID : Outcome.FINALIZED;
    }

    /**
     * Finalizes drafts that are final as generated (past their grace window, lines written, no credits to burn,
     * nothing carried forward) in ONE transaction: one counter bump numbers them all, so the number's lock is taken
     * once per batch instead of once per invoice. Returns how many it finalized.
     */
    public int finalizeReady(List<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return 0;
        }
        int[] n = {0};
        Transactions.run(db, c -> {
            List<Invoice> drafts = invoices.lockDrafts(c, ids);
            if (drafts.isEmpty()) {
                return;
            }
            Instant now = clock.instant();
            List<String> statuses = new ArrayList<>();
            List<String> lockedIds = new ArrayList<>();
            List<String> toStripe = new ArrayList<>();
            for (Invoice inv : drafts) {
                String status = inv.total().signum() == 0 ? Invoice.PAID : Invoice.FINALIZED;
                statuses.add(status);
                lockedIds.add(inv.id());
                if (Invoice.FINALIZED.equals(status)) {
                    toStripe.add(inv.id());
                }
            }
            stripe.enqueueAll(c, toStripe, SyncJob.PUSH, stripeConfig.enabled() ? SyncJob.PENDING : SyncJob.DISABLED,
                    stripeConfig.enabled() ? null : "Stripe sync is disabled: STRIPE_API_KEY is not configured", now);
            // the numbers come last: the counter row stays locked until commit
            List<String> numbered = numbers.block(c, NumberSequence.INVOICE, now.atZone(ZoneOffset.UTC).getYear(), drafts.size());
            invoices.finalizeDrafts(c, lockedIds, numbered, statuses, now);
            for (int i = 0; i < drafts.size(); i++) {
                Invoice inv = drafts.get(i);
                events.publish(c, inv, "finalized", statuses.get(i), numbered.get(i), inv.total());
                if (Invoice.PAID.equals(statuses.get(i))) {
                    events.publish(c, inv, "paid", Invoice.PAID, numbered.get(i), inv.total());
                }
            }
            n[0] = drafts.size();
        });
        events.flushSoon();
        return n[0];
    }

    public void flushSoon() {
        events.flushSoon();
    }
}
