package dev.apimon.invoice.billingruns.domain;

import dev.apimon.invoice.invoices.domain.Adjustment;
import dev.apimon.invoice.invoices.domain.Ids;
import dev.apimon.invoice.invoices.domain.Invoice;
import dev.apimon.invoice.invoices.domain.InvoiceDrafts;
import dev.apimon.invoice.invoices.domain.InvoiceGenerator;
import dev.apimon.invoice.invoices.domain.InvoiceInputs;
import dev.apimon.invoice.invoices.store.AdjustmentStore;
import dev.apimon.invoice.invoices.store.InvoiceStore;
import dev.apimon.invoice.subscriptions.domain.Customer;
import dev.apimon.invoice.subscriptions.domain.Subscription;
import dev.apimon.invoice.subscriptions.store.CustomerStore;
import dev.apimon.invoice.subscriptions.store.SubscriptionStore;
import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.time.BillingPeriods;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Closes what is due of one subscription as of an instant: its opening invoice (first period's fee in advance),
 * then every period that ended by then, oldest first, each as a draft that stays open for the grace window.
 * Exactly once: the unique (customer, kind, period_start) index makes a second attempt — another replica, the
 * scheduler racing an operator's run — insert nothing.
 */
@Singleton
public class PeriodCloser {
    private final AgroalDataSource db;
    private final SubscriptionStore subscriptions;
    private final CustomerStore customers;
    private final InvoiceStore invoices;
    private final AdjustmentStore adjustments;
    private final InvoiceInputsCollector collector;
    private final InvoiceDrafts drafts;
    private final BillingConfig config;
    private final Clock clock;

    public PeriodCloser(AgroalDataSource db, SubscriptionStore subscriptions, CustomerStore customers, InvoiceStore invoices,
                        AdjustmentStore adjustments, InvoiceInputsCollector collector, InvoiceDrafts drafts, BillingConfig config,
                        Clock clock) {
        this.db = db;
        this.subscriptions = subscriptions;
        this.customers = customers;
        this.invoices = invoices;
        this.adjustments = adjustments;
        this.collector = collector;
        this.drafts = drafts;
        this.config = config;
        this.clock = clock;
    }

    /**
     * What this call did: {@code ready} drafts are final as generated (past their grace window, no credits to burn,
     * nothing carried forward) and only need a number — the run finalizes them in batches; {@code fresh} are the
     * other new drafts with the inputs they were made from, so the run's finalization pass need not ask rating again.
     */
    public record Closed(int opened, int drafted, List<String> ready, Map<String, Finalizer.Fresh> fresh) {
    }

    /** Billing progress of a subscription, written in the same transaction as the invoice that advances it. */
    private record Progress(Instant billedThrough, Instant nextCloseAt, boolean finished) {
    }

    public Closed close(String subscriptionId, Instant asOf) throws SQLException {
        Subscription s;
        Customer customer;
        try (Connection c = db.getConnection()) {
            s = subscriptions.find(c, subscriptionId).orElseThrow(() -> new IllegalStateException("subscription " + subscriptionId + " vanished"));
            customer = customers.find(c, s.customerId()).orElseThrow(() -> new BillingError(
                    "customer " + s.customerId() + " has not arrived from customers.events yet"));
        }
        String interval = collector.interval(s);
        Instant endsAt = s.endsAt(interval);

        // the periods due, oldest first, and where the subscription stands once they are invoiced
        List<BillingPeriods.Period> due = new ArrayList<>();
        Instant cursor = s.billedThrough() != null ? s.billedThrough() : s.periodAnchor();
        Instant nextCloseAt = null;
        boolean finished = false;
        while (true) {
            BillingPeriods.Period p = BillingPeriods.containing(s.periodAnchor(), interval, cursor);
            if (endsAt != null && !p.start().isBefore(endsAt)) {
                finished = true;
                break;
            }
            if (p.end().isAfter(asOf)) {
                nextCloseAt = p.end();
                break;
            }
            due.add(p);
            cursor = p.end();
        }
        Progress done = new Progress(due.isEmpty() ? s.billedThrough() : due.get(due.size() - 1).end(), nextCloseAt, finished);

        Map<String, Finalizer.Fresh> fresh = new LinkedHashMap<>();
        List<String> ready = new ArrayList<>();
        int[] counts = new int[2]; // opened, drafted
        boolean progressWritten = false;
        if (!s.opened()) {
            Progress after = due.isEmpty() ? done : new Progress(s.billedThrough(), null, false);
            if (endsAt == null || endsAt.isAfter(s.periodAnchor())) {
                String id = Ids.next("in_", clock.instant());
                var collected = collector.opening(s, customer, interval);
                BillingPeriods.Period first = BillingPeriods.nth(s.periodAnchor(), interval, 0);
                Invoice draft = header(id, s, Invoice.OPENING, collected.currency(), first, collected.ratedPlan(), s.periodAnchor());
                // nothing to wait for and no credits to burn: ready to be numbered at once
                var result = insert(draft, collected.inputs(), null, s.subscriptionId(), after);
                if (result != null) {
                    counts[0]++;
                    progressWritten = due.isEmpty();
                    if (result.carriedForward().signum() == 0) {
                        ready.add(id);
                    } else {
                        fresh.put(id, new Finalizer.Fresh(collected.inputs(), null));
                    }
                }
            }
        }
        for (int i = 0; i < due.size(); i++) {
            BillingPeriods.Period p = due.get(i);
            Progress after = i == due.size() - 1 ? done : new Progress(p.end(), null, false);
            String id = Ids.next("in_", clock.instant());
            var collected = collector.period(s, customer, p, interval, id);
            Instant finalizeAfter = p.end().plus(config.grace());
            Invoice draft = header(id, s, Invoice.PERIOD, collected.currency(), p, collected.ratedPlan(), finalizeAfter);
            var result = insert(draft, collected.inputs(), collected.late(), s.subscriptionId(), after);
            if (result != null) {
                counts[1]++;
                progressWritten = i == due.size() - 1;
                // past its grace window, no credits to burn first, nothing carried: final as generated
                boolean final_ = !finalizeAfter.isAfter(asOf) && result.creditsApplied().signum() == 0
                        && result.carriedForward().signum() == 0;
                if (final_) {
                    ready.add(id);
                } else {
                    fresh.put(id, new Finalizer.Fresh(collected.inputs(), collected.late()));
                }
            } else {
                progressWritten = false; // already invoiced by another run: move on
            }
        }
        if (!progressWritten) {
            try (Connection c = db.getConnection()) {
                subscriptions.progress(c, s.subscriptionId(), true, done.billedThrough(), done.nextCloseAt(), done.finished());
            }
        }
        return new Closed(counts[0], counts[1], ready, fresh);
    }

    private Invoice header(String id, Subscription s, String kind, String currency, BillingPeriods.Period p, Subscription.PlanRef plan,
                           Instant finalizeAfter) {
        return new Invoice(id, null, s.customerId(), s.subscriptionId(), kind, Invoice.DRAFT, currency, p.start(), p.end(), List.of(),
                null, null, null, null, null, null, null, plan.code(), plan.version(), null, clock.instant(), finalizeAfter, null, null, null, null);
    }

    /**
     * One transaction: the draft (unless that period was already invoiced), the corrections it takes, its lines and
     * the subscription's progress; null when the period was already invoiced.
     */
    private InvoiceGenerator.Result insert(Invoice draft, InvoiceInputs inputs, InvoiceInputsCollector.LateUsage late, String subscriptionId,
                                           Progress after) throws SQLException {
        InvoiceGenerator.Result[] out = {null};
        Transactions.run(db, c -> {
            // a draft is recomputable — no number, no event, no credits burnt yet — so its commit need not wait for the
            // WAL flush: a crash can only lose drafts, which the next run creates again; the finalizing transaction is
            // synchronous, and its flush covers every draft written before it
            try (var st = c.createStatement()) {
                st.execute("SET LOCAL synchronous_commit = off");
            }
            if (!invoices.insertDraft(c, draft)) {
                return;
            }
            Instant now = clock.instant();
            int claimed = adjustments.claimPending(c, draft.customerId(), draft.currency(), draft.id());
            subscriptions.progress(c, subscriptionId, true, after.billedThrough(), after.nextCloseAt(), after.finished());
            boolean lateLine = late != null && late.amount().signum() != 0;
            if (lateLine) {
                adjustments.insert(c, new Adjustment(Ids.next("adj_", now), draft.customerId(), draft.currency(), Adjustment.LATE_USAGE,
                        late.description(), late.amount(), late.sourceInvoiceId(), draft.id(), now));
            }
            // no correction taken: nothing to read back
            out[0] = drafts.regenerate(c, draft, inputs, inputs.creditsPreview(), false, claimed == 0 && !lateLine ? List.of() : null, now);
        });
        return out[0];
    }

    /** A subscription that cannot be closed yet (reported in the run, retried by the next one). */
    public static class BillingError extends RuntimeException {
        public BillingError(String message) {
            super(message);
        }
    }
}
