package dev.apimon.key.messaging;

import java.sql.SQLException;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Consumers apply each record in a database transaction. A poison record fails at once (dead-letter topic); a
 * database outage is not the record's fault, so it is retried with backoff instead of dead-lettering good data.
 * After {@code maxWait} the failure propagates (the record is dead-lettered with the cause and can be replayed).
 */
public final class Retrying {
    private static final Logger LOG = Logger.getLogger(Retrying.class);

    public interface Work {
        void run() throws SQLException;
    }

    private Retrying() {
    }

    public static void onDatabaseErrors(String what, Duration maxWait, Work work) throws SQLException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        long backoffMs = 100;
        while (true) {
            try {
                work.run();
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline || isConstraintViolation(e)) {
                    throw e;
                }
                LOG.warnf("%s: database unavailable (%s); retrying in %d ms", what, e.getMessage(), backoffMs);
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoffMs = Math.min(backoffMs * 2, 5000);
            }
        }
    }

    private static boolean isConstraintViolation(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("23");
    }
}
