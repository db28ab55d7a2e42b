package dev.apimon.invoice.billingruns.domain;

import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Closes periods as their anchors pass: every tick is a billing run as of the (injectable) clock's now. With several
 * replicas, a PostgreSQL advisory lock lets one of them run at a time (the others skip the tick); correctness does
 * not depend on it — closing is idempotent — it only avoids duplicate work.
 */
@Singleton
public class BillingScheduler {
    private static final Logger LOG = Logger.getLogger(BillingScheduler.class);
    static final long LOCK = 0x61706d6e5f6272L; // "apmn_br"

    private final BillingRunService runs;
    private final AgroalDataSource db;
    private final Clock clock;

    public BillingScheduler(BillingRunService runs, AgroalDataSource db, Clock clock) {
        this.runs = runs;
        this.db = db;
        this.clock = clock;
    }

    @Scheduled(identity = "billing-run", every = "${apimon.billing.run-every:60s}", delayed = "${apimon.billing.run-delay:15s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            tick();
        } catch (Exception e) {
            LOG.warnf("scheduled billing run failed, next tick retries: %s", e.getMessage());
        }
    }

    /** One scheduler tick (tests call it after moving the clock). Empty when another replica holds the run lock. */
    public Optional<BillingRun> tick() throws Exception {
        try (Connection c = db.getConnection()) {
            if (!lock(c, "pg_try_advisory_lock")) {
                return Optional.empty();
            }
            try {
                return Optional.of(runs.run(clock.instant(), null, "scheduler", null));
            } finally {
                lock(c, "pg_advisory_unlock");
            }
        }
    }

    private static boolean lock(Connection c, String fn) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + fn + "(?)")) {
            ps.setLong(1, LOCK);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
