package dev.apimon.invoice.dunning.domain;

import dev.apimon.invoice.dunning.messaging.PaymentEvents;
import dev.apimon.invoice.dunning.store.DunningStore;
import dev.apimon.invoice.invoices.domain.Invoice;
import dev.apimon.invoice.stripe.domain.StripeConfig;
import dev.apimon.invoice.stripe.domain.SyncJob;
import dev.apimon.invoice.stripe.store.StripeSyncStore;
import dev.apimon.platform.db.Transactions;
import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Dunning: a failed payment starts a retry schedule ({@code apimon.dunning.retry-schedule}, the wait after the 1st,
 * 2nd, … failure, default P3D,P5D,P7D). Each failure is published on {@code billing.payments}; when a failure comes
 * with no retry left, it is final and the customer is delinquent. Due retries become Stripe {@code pay} jobs. A later
 * payment that leaves the customer with no delinquent invoice publishes that it is back in good standing.
 */
@Singleton
public class DunningService {
    private static final Logger LOG = Logger.getLogger(DunningService.class);

    private final AgroalDataSource db;
    private final DunningStore store;
    private final PaymentEvents events;
    private final StripeSyncStore stripe;
    private final StripeConfig stripeConfig;
    private final List<Duration> schedule;
    private final Clock clock;

    public DunningService(AgroalDataSource db, DunningStore store, PaymentEvents events, StripeSyncStore stripe, StripeConfig stripeConfig,
                          @ConfigProperty(name = "apimon.dunning.retry-schedule", defaultValue = "P3D,P5D,P7D") List<String> schedule,
                          Clock clock) {
        this.db = db;
        this.store = store;
        this.events = events;
        this.stripe = stripe;
        this.stripeConfig = stripeConfig;
        List<Duration> s = new ArrayList<>();
        for (String d : schedule) {
            if (!d.isBlank()) {
                s.add(Duration.parse(d.trim()));
            }
        }
        this.schedule = List.copyOf(s);
        this.clock = clock;
    }

    public List<Duration> schedule() {
        return schedule;
    }

    /** A failed payment attempt of an open invoice (inside the webhook's transaction). */
    public Dunning paymentFailed(Connection tx, Invoice inv, Instant at) throws SQLException {
        Optional<Dunning> before = store.find(tx, inv.id(), true);
        int failures = before.map(d -> d.failures() + 1).orElse(1);
        boolean last = failures > schedule.size();
        Instant next = last ? null : at.plus(schedule.get(failures - 1));
        Dunning d = new Dunning(inv.id(), inv.customerId(), last ? Dunning.DELINQUENT : Dunning.RETRYING, failures,
                before.map(Dunning::firstFailedAt).orElse(at), at, next, clock.instant());
        store.save(tx, d);
        events.failed(tx, inv.customerId(), inv.id(), failures, last, next, at);
        return d;
    }

    /** Stripe gave up collecting (marked uncollectible): final, unless dunning already said so. */
    public void uncollectible(Connection tx, Invoice inv, Instant at) throws SQLException {
        Optional<Dunning> before = store.find(tx, inv.id(), true);
        if (before.isPresent() && Dunning.DELINQUENT.equals(before.get().status())) {
            return;
        }
        int failures = before.map(Dunning::failures).orElse(0);
        store.save(tx, new Dunning(inv.id(), inv.customerId(), Dunning.DELINQUENT, failures, before.map(Dunning::firstFailedAt).orElse(at),
                before.map(Dunning::lastFailedAt).orElse(at), null, clock.instant()));
        events.failed(tx, inv.customerId(), inv.id(), failures, true, null, at);
    }

    /** The invoice was paid: its dunning is over; good standing is published unless another invoice is still delinquent. */
    public void paid(Connection tx, Invoice inv, Instant at) throws SQLException {
        Optional<Dunning> before = store.find(tx, inv.id(), true);
        if (before.isPresent()) {
            Dunning d = before.get();
            store.save(tx, new Dunning(d.invoiceId(), d.customerId(), Dunning.RECOVERED, d.failures(), d.firstFailedAt(), d.lastFailedAt(),
                    null, clock.instant()));
        }
        if (!store.otherDelinquent(tx, inv.customerId(), inv.id())) {
            events.succeeded(tx, inv.customerId(), inv.id(), before.map(d -> d.failures() + 1).orElse(1), at);
        }
    }

    public void closed(Connection tx, Invoice inv) throws SQLException {
        Optional<Dunning> before = store.find(tx, inv.id(), true);
        if (before.isPresent() && !Dunning.RECOVERED.equals(before.get().status())) {
            Dunning d = before.get();
            store.save(tx, new Dunning(d.invoiceId(), d.customerId(), Dunning.CLOSED, d.failures(), d.firstFailedAt(), d.lastFailedAt(),
                    null, clock.instant()));
        }
    }

    @Scheduled(identity = "dunning", every = "${apimon.dunning.check-every:60s}", delayed = "${apimon.dunning.check-delay:25s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            retryDue();
        } catch (Exception e) {
            LOG.warnf("dunning pass failed, next pass retries: %s", e.getMessage());
        }
    }

    /** Due retries become Stripe pay jobs (the outcome comes back as invoice.paid or invoice.payment_failed). */
    public int retryDue() throws SQLException {
        int[] n = {0};
        Instant now = clock.instant();
        Transactions.run(db, c -> {
            for (Dunning d : store.dueRetries(c, now, 200)) {
                stripe.enqueue(c, d.invoiceId(), SyncJob.pay(d.failures() + 1), stripeConfig.enabled() ? SyncJob.PENDING : SyncJob.DISABLED,
                        null, now);
                store.save(c, new Dunning(d.invoiceId(), d.customerId(), d.status(), d.failures(), d.firstFailedAt(), d.lastFailedAt(), null, now));
                n[0]++;
            }
        });
        return n[0];
    }
}
