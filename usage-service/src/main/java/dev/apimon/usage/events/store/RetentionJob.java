package dev.apimon.usage.events.store;

import dev.apimon.platform.db.MigrationGate;
import dev.apimon.usage.config.UsageConfig;
import dev.apimon.usage.ingest.store.DedupLedger;
import dev.apimon.usage.ingest.store.IdempotencyStore;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Deletes what has expired: ledger claims older than the dedup window (plus a day of margin), raw-log events
 * older than the raw-log retention, and idempotency answers. In small batches, each its own transaction, so
 * ingest and aggregation never wait long on the purge.
 */
@Startup // its constructor checks the window and retention settings: a bad value stops the start, not the first purge
@Singleton
public class RetentionJob {
    private static final Logger LOG = Logger.getLogger(RetentionJob.class);
    private static final int BATCH = 10_000;

    private final AgroalDataSource db;
    private final DedupLedger ledger;
    private final EventLogStore log;
    private final IdempotencyStore idempotency;
    private final MigrationGate migrations;
    private final Clock clock;
    private final UsageConfig config;

    public RetentionJob(AgroalDataSource db, DedupLedger ledger, EventLogStore log, IdempotencyStore idempotency,
                        @Readiness MigrationGate migrations, Clock clock, UsageConfig config) {
        this.db = db;
        this.ledger = ledger;
        this.log = log;
        this.idempotency = idempotency;
        this.migrations = migrations;
        this.clock = clock;
        this.config = config;
        Duration minimum = config.dedup().window().plusDays(1);
        if (config.rawLog().retention().compareTo(minimum) < 0) {
            // the aggregator's dedup relies on raw-log rows outliving the ledger and Kafka's copies
            throw new IllegalStateException("apimon.usage.raw-log.retention must be at least the dedup window + 1 day ("
                    + minimum + "), is " + config.rawLog().retention());
        }
        if (config.dedup().window().compareTo(Duration.ofDays(35)) < 0) {
            throw new IllegalStateException("apimon.usage.dedup.window must be at least P35D, is " + config.dedup().window());
        }
    }

    /** Counts of what one purge run deleted. */
    public record Purged(long ledgerClaims, long events, long idempotencyAnswers) {
    }

    @Scheduled(every = "${apimon.usage.purge-every:PT1H}", delayed = "PT1M", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        if (!migrations.isMigrated()) {
            return;
        }
        try {
            Purged p = purge();
            if (p.ledgerClaims() + p.events() + p.idempotencyAnswers() > 0) {
                LOG.infof("retention purge: %d ledger claims, %d raw events, %d idempotency answers", p.ledgerClaims(), p.events(),
                        p.idempotencyAnswers());
            }
        } catch (SQLException e) {
            LOG.warnf("retention purge failed (retried next run): %s", e.getMessage());
        }
    }

    public Purged purge() throws SQLException {
        Instant now = clock.instant();
        Instant ledgerBefore = now.minus(config.dedup().window()).minus(Duration.ofDays(1));
        Instant logBefore = now.minus(config.rawLog().retention());
        long claims = 0;
        long events = 0;
        long answers;
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(true);
            int n;
            do {
                n = ledger.purge(c, ledgerBefore, BATCH);
                claims += n;
            } while (n == BATCH);
            do {
                n = log.purge(c, logBefore, BATCH);
                events += n;
            } while (n == BATCH);
            answers = idempotency.purge(c, now.minus(config.ingest().idempotencyRetention()));
        }
        return new Purged(claims, events, answers);
    }
}
