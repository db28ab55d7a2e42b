package dev.apimon.platform.db.messaging;

import dev.apimon.platform.db.Poison;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Applies a consumed record's effect, retrying in place while it fails for the infrastructure's sake (PostgreSQL
 * unreachable, pool timeout, serialization failure, deadlock, Kafka not acknowledging a dead letter: not
 * {@link Poison#suspect}). Such a record is fine: dead-lettering it would lose it (nothing reads the dead-letter topic
 * back), and failing the channel would stop the consumer until a restart. Poison is thrown at once, for the caller to
 * dead-letter. The backoff doubles from 100 ms up to 5 s and retries go on as long as the failure lasts; meanwhile the
 * connector keeps polling (paused), so the consumer keeps its partitions.
 * <p>
 * When the service stops, a record still failing is given up as {@link NotApplied}: neither acknowledged nor
 * dead-lettered (see {@link PoisonDeadLetterStrategy}), it is read again from the committed offset by the next consumer.
 * <p>
 * A channel whose handler uses it sets {@code failure-strategy=dead-letter-poison} (single records) and
 * {@code throttled.unprocessed-record-max-age.ms=0}: the connector would otherwise close a consumer whose record has
 * been retried for over 60 s. Used by rating-service, key-service and invoice-service (docs/events.md).
 */
@Singleton
public class RetryInPlace {
    private static final Logger LOG = Logger.getLogger(RetryInPlace.class);
    private static final long FIRST_DELAY_MS = 100;
    private static final long MAX_DELAY_MS = 5_000;

    private final CountDownLatch stopping = new CountDownLatch(1);

    @FunctionalInterface
    public interface Attempt {
        void run() throws SQLException;
    }

    /** A good record the service stopped retrying: it must stay unacknowledged, never be dead-lettered. */
    public static class NotApplied extends RuntimeException {
        NotApplied(String what, Throwable lastFailure) {
            // the transient failure stays the cause, so Poison.suspect still reads the whole as "not poison"
            super(what + " not applied before the service stopped", lastFailure);
        }
    }

    /**
     * Runs the attempt until it succeeds. Poison is rethrown as it is; a transient failure is retried after the backoff
     * (the attempt must be idempotent or transactional: a failed commit may still have committed).
     */
    public void run(String what, Attempt attempt) throws SQLException {
        long delay = FIRST_DELAY_MS;
        String lastFailure = null;
        for (int attempts = 1; ; attempts++) {
            try {
                attempt.run();
                if (lastFailure != null) {
                    LOG.infof("%s applied at attempt %d", what, attempts);
                }
                return;
            } catch (SQLException | RuntimeException e) {
                if (Poison.suspect(e)) {
                    throw e;
                }
                String failure = e.toString();
                if (!failure.equals(lastFailure)) {
                    LOG.warnf("%s not applied (attempt %d), retrying in place: %s", what, attempts, failure);
                }
                lastFailure = failure;
                if (stoppingWithin(delay)) {
                    throw new NotApplied(what, e);
                }
                delay = Math.min(delay * 2, MAX_DELAY_MS);
            }
        }
    }

    /** Waits for the backoff; true when the service is stopping (then waiting longer would only hold up shutdown). */
    private boolean stoppingWithin(long delayMs) {
        try {
            return stopping.await(delayMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping.countDown();
    }
}
