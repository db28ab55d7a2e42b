package dev.apimon.rating.spend.messaging;

import dev.apimon.platform.db.Transactions;
import dev.apimon.rating.spend.store.SpendStore;
import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.time.Clock;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Opens billing periods in which nothing happens. Spend is otherwise refreshed only by events (subscription
 * snapshots, usage), so a customer without usage would keep the last period's {@code billing.spend} snapshot and
 * never get the new period's plan credit grant. Every {@code apimon.spend.rollover-every} this refreshes each live
 * subscription whose last snapshot's period has ended: the refresh grants the new period's credit and publishes its
 * first snapshot. One customer per transaction, claimed with SKIP LOCKED, so replicas share the work.
 */
@Singleton
public class PeriodRollover {
    private static final Logger LOG = Logger.getLogger(PeriodRollover.class);

    private final AgroalDataSource db;
    private final SpendStore store;
    private final SpendPublisher spend;
    private final Clock clock;

    public PeriodRollover(AgroalDataSource db, SpendStore store, SpendPublisher spend, Clock clock) {
        this.db = db;
        this.store = store;
        this.spend = spend;
        this.clock = clock;
    }

    @Scheduled(identity = "spend-rollover", every = "${apimon.spend.rollover-every:60s}", delayed = "${apimon.spend.rollover-delay:20s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            int rolled = run();
            if (rolled > 0) {
                LOG.infof("Rolled %d subscription(s) into a new billing period", rolled);
            }
        } catch (Exception e) {
            LOG.warnf("Period rollover failed, the next tick retries: %s", e.getMessage());
        }
    }

    /** One pass: refreshes every subscription whose period has ended; returns how many were rolled over. */
    public int run() throws SQLException {
        Set<String> failed = new HashSet<>(); // retried by the next tick, not in a loop now
        int rolled = 0;
        while (true) {
            String[] claimed = {null};
            try {
                Transactions.run(db, c -> {
                    Optional<String> due = store.claimEndedPeriod(c, clock.instant(), failed);
                    if (due.isPresent()) {
                        claimed[0] = due.get();
                        spend.refresh(c, due.get());
                    }
                });
            } catch (SQLException | RuntimeException e) {
                if (claimed[0] == null) {
                    throw e;
                }
                failed.add(claimed[0]);
                LOG.warnf("Period rollover of %s failed: %s", claimed[0], e.getMessage());
                continue;
            }
            if (claimed[0] == null) {
                break;
            }
            rolled++;
        }
        spend.flushSoon();
        return rolled;
    }
}
