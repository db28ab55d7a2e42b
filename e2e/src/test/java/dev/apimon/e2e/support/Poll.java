package dev.apimon.e2e.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polling with a deadline instead of sleeping: returns as soon as the condition holds, fails with the last value seen. */
public final class Poll {
    private Poll() {
    }

    public static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        Throwable lastError = null;
        while (true) {
            try {
                last = probe.get();
                lastError = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (RuntimeException | AssertionError e) {
                lastError = e; // e.g. a service that is restarting refuses connections, or answers 503: keep polling
            }
            if (System.nanoTime() > deadline) {
                AssertionError failure = new AssertionError("timed out after " + timeout + " waiting for " + what
                        + (lastError != null ? "; last error: " + lastError : "; last value: " + last));
                if (lastError != null) {
                    failure.initCause(lastError);
                }
                throw failure;
            }
            pause(50);
        }
    }

    public static void until(String what, Duration timeout, BooleanSupplier done) {
        until(what, timeout, done::getAsBoolean, Boolean::booleanValue);
    }

    /** A deliberate wait (an outage's length, a client's pacing): not a substitute for polling a condition. */
    public static void pause(Duration d) {
        pause(d.toMillis());
    }

    static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
