package dev.apimon.quota.limits.domain;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Stops calling Redis after {@code failureThreshold} consecutive failures, for {@code openNanos}; then lets one
 * probe through (half-open) and closes again on its success. While open, checks are answered at once by the
 * failure policy instead of each waiting for a timeout. The closed path is two volatile reads (no contention).
 */
public final class CircuitBreaker {
    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final int failureThreshold;
    private final long openNanos;
    private final LongSupplier nanoTime;
    private final Consumer<State> onTransition;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicBoolean probeInFlight = new AtomicBoolean();
    private volatile State state = State.CLOSED;
    private volatile long openedAt;
    private volatile long probeStartedAt;

    public CircuitBreaker(int failureThreshold, long openNanos, LongSupplier nanoTime, Consumer<State> onTransition) {
        this.failureThreshold = Math.max(1, failureThreshold);
        this.openNanos = openNanos;
        this.nanoTime = nanoTime;
        this.onTransition = onTransition;
    }

    public State state() {
        return state;
    }

    /** Whether this call may go to Redis. */
    public boolean tryAcquire() {
        State s = state;
        if (s == State.CLOSED) {
            return true;
        }
        long now = nanoTime.getAsLong();
        if (s == State.OPEN && now - openedAt < openNanos) {
            return false;
        }
        // half-open: one probe at a time; a probe that never answered is replaced after another open period
        if (probeInFlight.compareAndSet(false, true) || now - probeStartedAt > openNanos) {
            probeInFlight.set(true);
            probeStartedAt = now;
            transition(State.HALF_OPEN);
            return true;
        }
        return false;
    }

    public void onSuccess() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
        if (state != State.CLOSED) {
            probeInFlight.set(false);
            transition(State.CLOSED);
        }
    }

    public void onFailure() {
        if (state == State.HALF_OPEN) {
            probeInFlight.set(false);
            open();
            return;
        }
        if (consecutiveFailures.incrementAndGet() >= failureThreshold && state == State.CLOSED) {
            open();
        }
    }

    private void open() {
        openedAt = nanoTime.getAsLong();
        transition(State.OPEN);
    }

    private synchronized void transition(State to) {
        if (state != to) {
            state = to;
            if (to == State.CLOSED) {
                consecutiveFailures.set(0);
            }
            onTransition.accept(to);
        }
    }
}
