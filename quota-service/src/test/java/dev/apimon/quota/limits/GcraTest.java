package dev.apimon.quota.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.quota.limits.domain.Gcra;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * GCRA against its definition (ITU-T I.371): the virtual-scheduling implementation must decide exactly like the
 * independent continuous-state leaky bucket formulation, and satisfy the conformance bound of the definition.
 */
class GcraTest {
    static final long SEC = 1_000_000;

    /** Continuous-state leaky bucket: X = bucket content, LCT = last conformance time; increment I, limit L = tau. */
    static final class LeakyBucket {
        final long increment;
        final long tau;
        long x;
        long lct = Long.MIN_VALUE / 4;

        LeakyBucket(long increment, long tau) {
            this.increment = increment;
            this.tau = tau;
        }

        /** A request of cost n is n cells that must all conform (all-or-nothing). */
        boolean offer(long t, long n) {
            long xPrime = Math.max(0, x - (t - lct));
            if (n > 0 && xPrime + (n - 1) * increment > tau) {
                return false;
            }
            if (n > 0) {
                x = xPrime + n * increment;
                lct = t;
            }
            return true;
        }
    }

    @ParameterizedTest(name = "{0} per {1}s")
    @CsvSource({"1,1", "5,60", "7,60", "100,60", "3,3600", "1000,1", "13,7"})
    void virtualSchedulingEqualsTheLeakyBucketOnRandomTraffic(long limit, long windowSeconds) {
        Gcra g = Gcra.of(limit, windowSeconds * SEC);
        Random rnd = new Random(limit * 31 + windowSeconds);
        for (int run = 0; run < 20; run++) {
            LeakyBucket ref = new LeakyBucket(g.emissionMicros(), g.capacityMicros() - g.emissionMicros());
            long tat = 0;
            long t = 1_700_000_000L * SEC;
            for (int i = 0; i < 2000; i++) {
                t += (long) (rnd.nextDouble() * 2.5 * g.emissionMicros());
                long cost = rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(3) : 1;
                Gcra.Step s = g.decide(tat, t, cost);
                assertEquals(ref.offer(t, cost), s.conforms(), "request " + i + " at " + t);
                tat = s.tat();
            }
        }
    }

    @ParameterizedTest(name = "{0} per {1}s")
    @CsvSource({"5,60", "100,60", "10,1"})
    void conformingRequestsNeverExceedTheDefinitionsBound(long limit, long windowSeconds) {
        // I.371: in any interval of length d at most 1 + floor((d + tau) / T) cells conform
        Gcra g = Gcra.of(limit, windowSeconds * SEC);
        long tau = g.capacityMicros() - g.emissionMicros();
        Random rnd = new Random(42);
        List<Long> accepted = new ArrayList<>();
        long tat = 0;
        long t = 0;
        for (int i = 0; i < 5000; i++) {
            t += (long) (rnd.nextDouble() * g.emissionMicros());
            Gcra.Step s = g.decide(tat, t, 1);
            if (s.conforms()) {
                accepted.add(t);
            }
            tat = s.tat();
        }
        for (int i = 0; i < accepted.size(); i++) {
            for (int j = i; j < accepted.size(); j++) {
                long d = accepted.get(j) - accepted.get(i);
                if (d > 3 * g.windowMicros()) {
                    break;
                }
                assertTrue(j - i + 1 <= 1 + (d + tau) / g.emissionMicros(), "too many conforming in " + d + "us");
            }
        }
    }

    @Test
    void fullBurstThenOneEmissionIntervalAtATime_noBurstAtAWindowEdge() {
        Gcra g = Gcra.of(10, 60 * SEC); // T = 6 s
        long t0 = 1_000 * SEC;
        long tat = 0;
        for (int i = 0; i < 10; i++) {
            Gcra.Step s = g.decide(tat, t0 + 59 * SEC, 1);
            assertTrue(s.conforms(), "burst request " + i);
            tat = s.tat();
        }
        long delta = tat - (t0 + 59 * SEC);
        assertEquals(0, g.remaining(delta));
        assertEquals(60, g.resetSeconds(delta));
        // a fixed window starting at t0 + 60 s would allow 10 more here; GCRA allows none...
        assertEquals(false, g.decide(tat, t0 + 60 * SEC, 1).conforms());
        assertEquals(5, g.retryAfterSeconds(tat - (t0 + 60 * SEC), 1));
        // ...until one emission interval after the burst
        assertTrue(g.decide(tat, t0 + 65 * SEC, 1).conforms());
        assertEquals(false, g.decide(g.decide(tat, t0 + 65 * SEC, 1).tat(), t0 + 65 * SEC, 1).conforms());
    }

    @ParameterizedTest(name = "limit {0} per {1}us: T={2} capacity={3}")
    @CsvSource({
            "5, 60000000, 12000000, 60000000",
            "7, 60000000, 8571429, 60000003",   // capacity is limit * T so exactly 7 fit back to back
            "3, 1, 1, 3",                        // emission never below 1 us
    })
    void emissionAndCapacity(long limit, long window, long emission, long capacity) {
        Gcra g = Gcra.of(limit, window);
        assertEquals(emission, g.emissionMicros());
        assertEquals(capacity, g.capacityMicros());
        long tat = 0;
        int allowed = 0;
        for (int i = 0; i < limit + 3; i++) {
            Gcra.Step s = g.decide(tat, 10 * SEC, 1);
            if (s.conforms()) {
                allowed++;
                tat = s.tat();
            }
        }
        assertEquals(limit, allowed);
    }

    @Test
    void costIsAllOrNothing() {
        Gcra g = Gcra.of(10, 10 * SEC);
        Gcra.Step s = g.decide(0, 100 * SEC, 8);
        assertTrue(s.conforms());
        Gcra.Step denied = g.decide(s.tat(), 100 * SEC, 3);
        assertEquals(false, denied.conforms());
        assertEquals(s.tat(), denied.tat(), "a denied request changes nothing");
        assertEquals(2, g.remaining(s.tat() - 100 * SEC));
        assertEquals(1, g.retryAfterSeconds(s.tat() - 100 * SEC, 3));
        assertTrue(g.decide(s.tat(), 100 * SEC, 2).conforms());
    }
}
