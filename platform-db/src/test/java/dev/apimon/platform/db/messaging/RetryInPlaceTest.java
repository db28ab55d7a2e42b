package dev.apimon.platform.db.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.platform.db.Poison;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Transient failures are retried until they pass or the service stops; poison is thrown at once. */
class RetryInPlaceTest {
    private final RetryInPlace retry = new RetryInPlace();

    @Test
    void transientFailuresAreRetriedUntilTheAttemptSucceeds() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        retry.run("test", () -> {
            if (attempts.incrementAndGet() <= 3) {
                throw new SQLException(attempts.get() == 2 ? "could not serialize access" : "connection lost",
                        attempts.get() == 2 ? "40001" : "08006");
            }
        });
        assertEquals(4, attempts.get());
    }

    @Test
    void poisonIsThrownAtOnce() {
        AtomicInteger attempts = new AtomicInteger();
        SQLException poison = new SQLException("value too long", "22001");
        SQLException thrown = assertThrows(SQLException.class, () -> retry.run("test", () -> {
            attempts.incrementAndGet();
            throw poison;
        }));
        assertSame(poison, thrown);
        assertEquals(1, attempts.get());
    }

    @Test
    void aStoppingServiceGivesUpARecordStillFailing_asNotAppliedWhichIsNotPoison() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<Void> running = CompletableFuture.runAsync(() -> {
            try {
                retry.run("test", () -> {
                    attempts.incrementAndGet();
                    throw new SQLException("the database system is shutting down", "57P03");
                });
            } catch (SQLException e) {
                throw new AssertionError(e);
            }
        });
        Thread.sleep(1_000); // a few attempts into the backoff
        assertFalse(running.isDone(), "a transient failure is retried as long as it lasts");
        retry.onStop(null);
        ExecutionException done = assertThrows(ExecutionException.class, () -> running.get(2, TimeUnit.SECONDS));
        assertTrue(done.getCause() instanceof RetryInPlace.NotApplied, "given up as NotApplied: " + done.getCause());
        assertFalse(Poison.suspect(done.getCause()), "callers rethrow it instead of dead-lettering the record");
        assertTrue(PoisonDeadLetterStrategy.notApplied(new RuntimeException("wrapped by the connector", done.getCause())));
        assertFalse(PoisonDeadLetterStrategy.notApplied(new IllegalArgumentException("subscription snapshot without plan")));
        assertTrue(attempts.get() > 1);
    }
}
