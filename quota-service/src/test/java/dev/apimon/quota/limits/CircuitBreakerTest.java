package dev.apimon.quota.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.quota.limits.domain.CircuitBreaker;
import dev.apimon.quota.limits.domain.CircuitBreaker.State;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final List<State> transitions = new ArrayList<>();
    final CircuitBreaker cb = new CircuitBreaker(3, 500_000_000L, now::get, transitions::add);

    @Test
    void opensAfterConsecutiveFailuresProbesOnceAndClosesOnSuccess() {
        cb.onFailure();
        cb.onSuccess(); // a success resets the count
        cb.onFailure();
        cb.onFailure();
        assertEquals(State.CLOSED, cb.state());
        assertTrue(cb.tryAcquire());
        cb.onFailure();
        assertEquals(State.OPEN, cb.state());
        assertFalse(cb.tryAcquire(), "open: answer by policy without calling Redis");
        now.addAndGet(499_000_000L);
        assertFalse(cb.tryAcquire());
        now.addAndGet(2_000_000L);
        assertTrue(cb.tryAcquire(), "one probe after the open period");
        assertEquals(State.HALF_OPEN, cb.state());
        assertFalse(cb.tryAcquire(), "only one probe at a time");
        cb.onFailure();
        assertEquals(State.OPEN, cb.state());
        now.addAndGet(501_000_000L);
        assertTrue(cb.tryAcquire());
        cb.onSuccess();
        assertEquals(State.CLOSED, cb.state());
        assertTrue(cb.tryAcquire());
        assertEquals(List.of(State.OPEN, State.HALF_OPEN, State.OPEN, State.HALF_OPEN, State.CLOSED), transitions);
    }

    @Test
    void aProbeThatNeverAnswersIsReplaced() {
        for (int i = 0; i < 3; i++) {
            cb.onFailure();
        }
        now.addAndGet(600_000_000L);
        assertTrue(cb.tryAcquire());
        assertFalse(cb.tryAcquire());
        now.addAndGet(600_000_000L);
        assertTrue(cb.tryAcquire(), "the lost probe does not keep the circuit open forever");
    }
}
