package dev.apimon.invoice.billingruns.domain;

import dev.apimon.invoice.billingruns.store.BillingRunStore;
import dev.apimon.invoice.invoices.domain.Ids;
import dev.apimon.invoice.invoices.store.InvoiceStore;
import dev.apimon.invoice.subscriptions.store.SubscriptionStore;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * A billing run: every subscription with something due as of {@code asOf} (optionally one customer's) is closed
 * — subscriptions in parallel, each one's periods in order — then every draft whose grace window is over by then is
 * finalized: older drafts one by one (refreshed from rating, credits burnt), each customer's oldest first, then the
 * new ones that are final as generated in batches that share one lock of the number counter. The scheduler and POST /v1/billing-runs both come here. A failure of one
 * subscription or invoice is recorded in the run and retried by the next one; it never stops the others.
 */
@Singleton
public class BillingRunService {
    private static final Logger LOG = Logger.getLogger(BillingRunService.class);
    private static final int BATCH = 200;

    private final AgroalDataSource db;
    private final SubscriptionStore subscriptions;
    private final InvoiceStore invoices;
    private final PeriodCloser closer;
    private final Finalizer finalizer;
    private final BillingRunStore runs;
    private final Clock clock;
    private final ExecutorService pool;

    public BillingRunService(AgroalDataSource db, SubscriptionStore subscriptions, InvoiceStore invoices, PeriodCloser closer,
                             Finalizer finalizer, BillingRunStore runs, BillingConfig config, Clock clock) {
        this.db = db;
        this.subscriptions = subscriptions;
        this.invoices = invoices;
        this.closer = closer;
        this.finalizer = finalizer;
        this.runs = runs;
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(Math.max(1, config.parallelism()), r -> {
            Thread t = new Thread(r, "billing-run-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    void onStop(@Observes ShutdownEvent ev) {
        pool.shutdownNow();
    }

    public BillingRun run(Instant asOf, String customerId, String trigger, String idempotencyKey) throws SQLException {
        if (idempotencyKey != null) {
            var previous = runs.byIdempotencyKey(idempotencyKey);
            if (previous.isPresent()) {
                return previous.get();
            }
        }
        Instant started = clock.instant();
        BillingRun run = new BillingRun(Ids.next("br_", started), asOf, customerId, trigger, started, null, 0, 0, 0, List.of());
        if (!runs.start(run, idempotencyKey)) {
            return runs.byIdempotencyKey(idempotencyKey).orElseThrow();
        }
        List<BillingRun.Failure> errors = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger drafted = new AtomicInteger();
        AtomicInteger finalized = new AtomicInteger();
        Map<String, Finalizer.Fresh> fresh = new ConcurrentHashMap<>();
        List<String> ready = Collections.synchronizedList(new ArrayList<>());

        List<String> due;
        try (Connection c = db.getConnection()) {
            due = subscriptions.due(c, asOf, customerId);
        }
        List<Future<?>> closing = new ArrayList<>();
        for (String sub : due) {
            closing.add(pool.submit(() -> {
                try {
                    PeriodCloser.Closed closed = closer.close(sub, asOf);
                    opened.addAndGet(closed.opened());
                    drafted.addAndGet(closed.drafted());
                    ready.addAll(closed.ready());
                    fresh.putAll(closed.fresh());
                } catch (Exception e) {
                    errors.add(new BillingRun.Failure(customerOf(sub), sub, null, message(e)));
                    LOG.warnf("billing run %s: subscription %s not closed: %s", run.id(), sub, message(e));
                }
            }));
        }
        await(closing);

        Map<String, List<String>> drafts = new LinkedHashMap<>();
        try (Connection c = db.getConnection()) {
            java.util.Set<String> batched = new java.util.HashSet<>(ready);
            for (InvoiceStore.DueDraft d : invoices.dueDrafts(c, asOf, customerId)) {
                if (!batched.contains(d.id())) {
                    drafts.computeIfAbsent(d.customerId(), k -> new ArrayList<>()).add(d.id());
                }
            }
        }
        List<Future<?>> finalizing = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : drafts.entrySet()) {
            finalizing.add(pool.submit(() -> {
                for (String id : e.getValue()) {
                    try {
                        if (finalizer.finalizeDraft(id, fresh.get(id)) != Finalizer.Outcome.SKIPPED) {
                            finalized.incrementAndGet();
                        }
                    } catch (Exception ex) {
                        errors.add(new BillingRun.Failure(e.getKey(), null, id, message(ex)));
                        LOG.warnf("billing run %s: invoice %s not finalized: %s", run.id(), id, message(ex));
                        break; // keep this customer's invoices in order: the next run retries from here
                    }
                }
            }));
        }
        await(finalizing);

        // drafts that are final as generated: numbered in batches, one counter lock per batch
        for (int from = 0; from < ready.size(); from += BATCH) {
            List<String> batch = ready.subList(from, Math.min(ready.size(), from + BATCH));
            try {
                finalized.addAndGet(finalizer.finalizeReady(batch));
            } catch (Exception e) {
                LOG.warnf("billing run %s: batch finalization failed (%s), finalizing one by one", run.id(), message(e));
                for (String id : batch) {
                    try {
                        if (finalizer.finalizeDraft(id, null) != Finalizer.Outcome.SKIPPED) {
                            finalized.incrementAndGet();
                        }
                    } catch (Exception ex) {
                        errors.add(new BillingRun.Failure(null, null, id, message(ex)));
                    }
                }
            }
        }

        BillingRun done = new BillingRun(run.id(), asOf, customerId, trigger, started, clock.instant(), opened.get(), drafted.get(),
                finalized.get(), List.copyOf(errors));
        runs.finish(done);
        LOG.infof("billing run %s as of %s: %d opened, %d drafted, %d finalized, %d errors", done.id(), asOf, done.opened(), done.drafted(),
                done.finalized(), done.errors().size());
        return done;
    }

    private String customerOf(String subscriptionId) {
        try (Connection c = db.getConnection()) {
            return subscriptions.find(c, subscriptionId).map(s -> s.customerId()).orElse(null);
        } catch (Exception e) {
            return null;
        }
    }

    private static void await(List<Future<?>> futures) {
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("billing run interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    private static String message(Throwable e) {
        while ((e instanceof io.quarkus.arc.ArcUndeclaredThrowableException || e instanceof ExecutionException
                || e instanceof java.util.concurrent.CompletionException) && e.getCause() != null) {
            e = e.getCause();
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
