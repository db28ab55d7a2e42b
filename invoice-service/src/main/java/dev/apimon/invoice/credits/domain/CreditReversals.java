package dev.apimon.invoice.credits.domain;

import dev.apimon.invoice.credits.store.CreditReversalStore;
import dev.apimon.invoice.invoices.domain.Invoice;
import dev.apimon.invoice.rating.client.RatingGateway;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import dev.apimon.platform.time.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Gives a voided invoice's credits back. The voiding transaction queues the job ({@link #voided}); this worker calls
 * rating-service's {@code POST /v1/customers/{id}/credits/reversals} with the invoice id as reference (idempotent
 * there) and retries with exponential backoff (30 s doubling, at most 1 h) for as long as it takes: a reversal is
 * money owed to the customer, so it never gives up — an outage or a misconfiguration shows in {@code last_error}
 * of the invoice's {@code credit_reversal} (admin view) until it succeeds.
 */
@Singleton
public class CreditReversals {
    private static final Logger LOG = Logger.getLogger(CreditReversals.class);
    static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(30), Duration.ofHours(1));

    private final CreditReversalStore store;
    private final RatingGateway rating;
    private final Clock clock;

    public CreditReversals(CreditReversalStore store, RatingGateway rating, Clock clock) {
        this.store = store;
        this.rating = rating;
        this.clock = clock;
    }

    /**
     * In the transaction that voids {@code inv}: queues the reversal when the invoice applied credits. A draft's
     * credits may have been burnt by a finalization that then lost the race to the void (or crashed), so drafts count
     * too; if nothing was burnt, rating-service answers 404 and the job ends with nothing restored.
     */
    public void voided(Connection tx, Invoice inv, Instant now) throws SQLException {
        if (inv.creditsApplied() != null && inv.creditsApplied().signum() > 0) {
            store.enqueue(tx, inv.id(), inv.customerId(), now);
        }
    }

    /** A finalization burnt credits for an invoice that turned out to be void meanwhile: give them back. */
    public void burntForVoid(Connection tx, Invoice inv, BigDecimal burnt, Instant now) throws SQLException {
        if (burnt.signum() > 0) {
            store.enqueue(tx, inv.id(), inv.customerId(), now);
        }
    }

    @Scheduled(identity = "credit-reversals", every = "${apimon.credits.reversal-every:10s}", delayed = "${apimon.credits.reversal-delay:20s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            runDue();
        } catch (Exception e) {
            LOG.warnf("Credit reversal pass failed, next pass retries: %s", e.getMessage());
        }
    }

    /** One pass over due jobs (tests call it after moving the clock); returns how many were attempted. */
    public int runDue() throws SQLException {
        int attempted = 0;
        while (true) {
            List<CreditReversalStore.Job> jobs = store.claimDue(clock.instant(), Duration.ofMinutes(5), 20);
            if (jobs.isEmpty()) {
                return attempted;
            }
            for (CreditReversalStore.Job job : jobs) {
                attempted++;
                run(job);
            }
        }
    }

    private void run(CreditReversalStore.Job job) throws SQLException {
        try {
            Optional<BigDecimal> restored = rating.reverseCredits(job.customerId(), job.invoiceId());
            store.succeeded(job.invoiceId(), restored.orElse(BigDecimal.ZERO),
                    restored.isPresent() ? null : "rating-service has no credit consumption for this invoice: nothing was burnt", clock.instant());
        } catch (RuntimeException e) {
            Instant now = clock.instant();
            Instant next = now.plus(BACKOFF.after(job.attempts()));
            store.retryAt(job.invoiceId(), e.getMessage(), next, now);
            LOG.warnf("Credit reversal of %s: attempt %d failed, retrying at %s: %s", job.invoiceId(), job.attempts(), next, e.getMessage());
        }
    }

}
