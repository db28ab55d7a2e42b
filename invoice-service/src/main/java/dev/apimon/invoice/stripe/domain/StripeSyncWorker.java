package dev.apimon.invoice.stripe.domain;

import dev.apimon.invoice.invoices.domain.Invoice;
import dev.apimon.invoice.invoices.domain.InvoiceLine;
import dev.apimon.invoice.invoices.domain.Money;
import dev.apimon.invoice.invoices.store.InvoiceStore;
import dev.apimon.invoice.stripe.store.StripeSyncStore;
import dev.apimon.invoice.subscriptions.domain.Customer;
import dev.apimon.invoice.subscriptions.store.CustomerStore;
import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Works the Stripe sync outbox: claims due jobs (lease, SKIP LOCKED — safe with several replicas), runs each step,
 * records each Stripe object as soon as it exists (so a retry resumes after it), and on failure schedules the next
 * attempt with exponential backoff — or marks the job failed (permanent errors, or too many attempts), visible and
 * retriable by an admin.
 */
@Singleton
public class StripeSyncWorker {
    private static final Logger LOG = Logger.getLogger(StripeSyncWorker.class);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    private final StripeSyncStore store;
    private final StripeGateway stripe;
    private final StripeConfig config;
    private final InvoiceStore invoices;
    private final CustomerStore customers;
    private final AgroalDataSource db;
    private final Clock clock;

    public StripeSyncWorker(StripeSyncStore store, StripeGateway stripe, StripeConfig config, InvoiceStore invoices, CustomerStore customers,
                            AgroalDataSource db, Clock clock) {
        this.store = store;
        this.stripe = stripe;
        this.config = config;
        this.invoices = invoices;
        this.customers = customers;
        this.db = db;
        this.clock = clock;
    }

    @Scheduled(identity = "stripe-sync", every = "${apimon.stripe.sync-every:10s}", delayed = "${apimon.stripe.sync-delay:20s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            runDue();
        } catch (Exception e) {
            LOG.warnf("Stripe sync pass failed, next pass retries: %s", e.getMessage());
        }
    }

    /** One pass over due jobs; returns how many were attempted. */
    public int runDue() throws SQLException {
        if (!config.enabled()) {
            return 0;
        }
        int attempted = 0;
        while (true) {
            List<SyncJob> jobs = store.claimDue(clock.instant(), config.lease(), 20);
            if (jobs.isEmpty()) {
                return attempted;
            }
            for (SyncJob job : jobs) {
                attempted++;
                run(job);
            }
        }
    }

    private void run(SyncJob job) throws SQLException {
        try {
            if (SyncJob.PUSH.equals(job.action())) {
                push(job);
            } else if (SyncJob.VOID.equals(job.action())) {
                voidInStripe(job);
            } else if (job.action().startsWith("pay-")) {
                pay(job);
            } else {
                throw new StripeGateway.StripeFailure("unknown sync action " + job.action(), false, null);
            }
            store.succeeded(job.invoiceId(), job.action(), clock.instant());
        } catch (StripeGateway.StripeFailure f) {
            Instant now = clock.instant();
            if (!f.retryable() || job.attempts() >= config.maxAttempts()) {
                store.failed(job.invoiceId(), job.action(), f.getMessage(), now);
                LOG.warnf("Stripe %s of %s failed after %d attempt(s): %s", job.action(), job.invoiceId(), job.attempts(), f.getMessage());
            } else {
                Instant next = now.plus(config.backoff(job.attempts()));
                store.retryAt(job.invoiceId(), job.action(), f.getMessage(), next, now);
                LOG.infof("Stripe %s of %s: attempt %d failed, retrying at %s: %s", job.action(), job.invoiceId(), job.attempts(), next,
                        f.getMessage());
            }
        } catch (RuntimeException e) {
            store.retryAt(job.invoiceId(), job.action(), e.getClass().getSimpleName() + ": " + e.getMessage(),
                    clock.instant().plus(config.backoff(job.attempts())), clock.instant());
            LOG.warnf(e, "Stripe %s of %s: unexpected error", job.action(), job.invoiceId());
        }
    }

    /** Customer (created or linked), draft invoice, one item per non-zero line, finalize — resuming where the last attempt stopped. */
    private void push(SyncJob job) throws SQLException {
        Invoice inv;
        Customer customer;
        try (Connection c = db.getConnection()) {
            inv = invoices.find(c, job.invoiceId(), false).orElseThrow(() -> new StripeGateway.StripeFailure("invoice vanished", false, null));
            customer = customers.find(c, inv.customerId()).orElse(new Customer(inv.customerId(), null, null, inv.currency(), null, null, null));
        }
        if (Invoice.VOID.equals(inv.status())) {
            return; // voided before it reached Stripe: nothing to push
        }
        String stripeCustomer = job.stripeCustomerId();
        if (stripeCustomer == null) {
            stripeCustomer = customer.stripeCustomerId();
            if (stripeCustomer == null) {
                stripeCustomer = stripe.createCustomer(new StripeGateway.CustomerRequest(customer.id(), customer.name(), customer.email()));
                try (Connection c = db.getConnection()) {
                    customers.linkStripe(c, customer.id(), stripeCustomer);
                }
            }
            store.recordCustomer(job.invoiceId(), job.action(), stripeCustomer, clock.instant());
        }
        String stripeInvoice = job.stripeInvoiceId();
        if (stripeInvoice == null) {
            stripeInvoice = stripe.createInvoice(new StripeGateway.InvoiceRequest(inv.id(), stripeCustomer, inv.currency(), inv.number(),
                    inv.number() + " · " + DAY.format(inv.periodStart()) + " to " + DAY.format(inv.periodEnd())));
            store.recordInvoice(job.invoiceId(), job.action(), stripeInvoice, clock.instant());
        }
        List<InvoiceLine> lines = inv.lines();
        for (int n = job.itemsSynced() + 1; n <= lines.size(); n++) {
            InvoiceLine l = lines.get(n - 1);
            if (l.amount().signum() != 0) {
                stripe.createItem(new StripeGateway.ItemRequest(inv.id(), n, stripeCustomer, stripeInvoice,
                        Money.minorUnits(l.amount(), inv.currency()), inv.currency(), l.description()));
            }
            store.recordItems(job.invoiceId(), job.action(), n, clock.instant());
        }
        stripe.finalizeInvoice(inv.id(), stripeInvoice);
    }

    private void voidInStripe(SyncJob job) throws SQLException {
        Optional<SyncJob> push;
        try (Connection c = db.getConnection()) {
            push = store.find(c, job.invoiceId(), SyncJob.PUSH, false);
        }
        if (push.isEmpty() || push.get().stripeInvoiceId() == null) {
            return; // never reached Stripe
        }
        if (SyncJob.SUCCEEDED.equals(push.get().status())) {
            stripe.voidInvoice(job.invoiceId(), push.get().stripeInvoiceId());
        } else {
            // a Stripe draft that was never finalized: delete it and stop the push
            stripe.deleteDraft(job.invoiceId(), push.get().stripeInvoiceId());
            try (Connection c = db.getConnection()) {
                store.cancel(c, job.invoiceId(), SyncJob.PUSH, "invoice voided; the Stripe draft was deleted", clock.instant());
            }
        }
    }

    private void pay(SyncJob job) throws SQLException {
        Optional<SyncJob> push;
        Invoice inv;
        try (Connection c = db.getConnection()) {
            push = store.find(c, job.invoiceId(), SyncJob.PUSH, false);
            inv = invoices.find(c, job.invoiceId(), false).orElseThrow();
        }
        if (!inv.isOpen()) {
            return; // paid or voided meanwhile
        }
        if (push.isEmpty() || push.get().stripeInvoiceId() == null || !SyncJob.SUCCEEDED.equals(push.get().status())) {
            throw new StripeGateway.StripeFailure("the invoice is not in Stripe yet", true, null);
        }
        int attempt = Integer.parseInt(job.action().substring("pay-".length()));
        stripe.pay(job.invoiceId(), push.get().stripeInvoiceId(), attempt);
    }
}
