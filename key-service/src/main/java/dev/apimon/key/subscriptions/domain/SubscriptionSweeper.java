package dev.apimon.key.subscriptions.domain;

import dev.apimon.key.idempotency.store.IdempotencyStore;
import dev.apimon.platform.db.Transactions;
import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Rolls periods and applies scheduled changes and cancellations that fell due, so subscriptions.events shows the
 * new state without waiting for someone to read the subscription. Also forgets old Idempotency-Keys.
 */
@Singleton
public class SubscriptionSweeper {
    private static final Logger LOG = Logger.getLogger(SubscriptionSweeper.class);
    private final SubscriptionService subscriptions;
    private final IdempotencyStore idempotency;
    private final AgroalDataSource db;
    private final Clock clock;
    private final Duration keepIdempotencyKeys;

    public SubscriptionSweeper(SubscriptionService subscriptions, IdempotencyStore idempotency, AgroalDataSource db, Clock clock,
                               @ConfigProperty(name = "apimon.idempotency.retention", defaultValue = "P7D") Duration keepIdempotencyKeys) {
        this.subscriptions = subscriptions;
        this.idempotency = idempotency;
        this.db = db;
        this.clock = clock;
        this.keepIdempotencyKeys = keepIdempotencyKeys;
    }

    @Scheduled(every = "${apimon.subscriptions.sweep-every:30s}", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        try {
            int n;
            do {
                n = subscriptions.sweep(100);
            } while (n == 100);
            Transactions.run(db, c -> idempotency.purge(c, clock.instant().minus(keepIdempotencyKeys)));
        } catch (Exception e) {
            LOG.warnf("subscription sweep failed (retried at the next run): %s", e.getMessage());
        }
    }
}
