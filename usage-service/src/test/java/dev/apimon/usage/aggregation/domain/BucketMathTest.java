package dev.apimon.usage.aggregation.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.usage.meters.domain.Aggregation;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BucketMathTest {
    static final Instant T = Instant.parse("2026-11-21T10:15:00Z");

    static BucketDelta delta(Aggregation a, Object... numberTimeSeq) {
        BucketDelta d = new BucketDelta(a, new TreeMap<>());
        for (int i = 0; i < numberTimeSeq.length; i += 3) {
            String v = (String) numberTimeSeq[i];
            d.add(a == Aggregation.UNIQUE_COUNT ? null : new BigDecimal(v), a == Aggregation.UNIQUE_COUNT ? v : null,
                    T.plusSeconds((Integer) numberTimeSeq[i + 1]), (Integer) numberTimeSeq[i + 2]);
        }
        return d;
    }

    @Test
    void sumIsExactAndAccumulatesAcrossBatches() {
        BucketState s1 = BucketMath.apply(null, delta(Aggregation.SUM, "0.1", 0, 1, "0.2", 1, 2), 0);
        assertEquals("0.3", s1.value().toPlainString());
        assertEquals(1, s1.version());
        BucketState s2 = BucketMath.apply(s1, delta(Aggregation.SUM, "1.70", 2, 3), 0);
        assertEquals("2", s2.value().toPlainString(), "canonical: no trailing zeros");
        assertEquals(3, s2.eventCount());
        assertEquals(2, s2.version());
    }

    @Test
    void maxAndMinChangeVersionOnlyWhenTheValueChanges() {
        BucketState m = BucketMath.apply(null, delta(Aggregation.MAX, "5", 0, 1), 0);
        BucketState same = BucketMath.apply(m, delta(Aggregation.MAX, "3", 1, 2), 0);
        assertEquals("5", same.value().toPlainString());
        assertEquals(m.version(), same.version());
        assertFalse(BucketMath.valueChanged(m, same));
        assertEquals(2, same.eventCount(), "the event still counted in the bucket");
        BucketState min = BucketMath.apply(BucketMath.apply(null, delta(Aggregation.MIN, "5", 0, 1), 0),
                delta(Aggregation.MIN, "-1.5", 0, 2), 0);
        assertEquals("-1.5", min.value().toPlainString());
        assertEquals(2, min.version());
    }

    @Test
    void latestKeepsTheNewestEventTimeEvenWhenALateEventArrivesAfterwards() {
        BucketState s = BucketMath.apply(null, delta(Aggregation.LATEST, "10", 600, 1), 0);
        BucketState late = BucketMath.apply(s, delta(Aggregation.LATEST, "99", 60, 2), 0);
        assertEquals("10", late.value().toPlainString(), "an older event never overwrites a newer one");
        BucketState tie = BucketMath.apply(late, delta(Aggregation.LATEST, "11", 600, 3), 0);
        assertEquals("11", tie.value().toPlainString(), "same time: the later-logged event wins");
    }

    @Test
    void uniqueCountAddsOnlyNewDistinctValues() {
        BucketState s = BucketMath.apply(null, delta(Aggregation.UNIQUE_COUNT, "a", 0, 1, "b", 0, 2, "a", 0, 3), 2);
        assertEquals("2", s.value().toPlainString());
        BucketState s2 = BucketMath.apply(s, delta(Aggregation.UNIQUE_COUNT, "a", 0, 4), 0);
        assertEquals("2", s2.value().toPlainString());
        assertEquals(s.version(), s2.version());
    }

    @Test
    void recomputeFromTheLogMatchesIncrementalApplication() {
        List<BucketMath.Contribution> events = List.of(new BucketMath.Contribution(new BigDecimal("2"), null, T, 1),
                new BucketMath.Contribution(new BigDecimal("7"), null, T.plusSeconds(5), 2),
                new BucketMath.Contribution(new BigDecimal("3"), null, T.minusSeconds(5), 3));
        BucketState old = new BucketState(new BigDecimal("12"), 3, null, -1, 4);
        assertEquals("12", BucketMath.recompute(Aggregation.SUM, old, events).value().toPlainString());
        assertEquals(4, BucketMath.recompute(Aggregation.SUM, old, events).version(), "unchanged value keeps the version");
        assertEquals("7", BucketMath.recompute(Aggregation.MAX, old, events).value().toPlainString());
        assertEquals("2", BucketMath.recompute(Aggregation.MIN, old, events).value().toPlainString());
        assertEquals("7", BucketMath.recompute(Aggregation.LATEST, old, events).value().toPlainString());
        assertEquals("3", BucketMath.recompute(Aggregation.COUNT, old,
                events.stream().map(c -> new BucketMath.Contribution(BigDecimal.ONE, null, c.time(), c.seq())).toList()).value().toPlainString());
        BucketState empty = BucketMath.recompute(Aggregation.SUM, old, List.of());
        assertEquals("0", empty.value().toPlainString());
        assertEquals(0, empty.eventCount());
        assertEquals(5, empty.version());
        assertTrue(BucketMath.valueChanged(old, empty));
    }

    @Test
    void emptyingABucketIsAChangeEvenWhenItsValueWasAlreadyZero() {
        // a max meter's hour whose only event read 0 is voided: value 0 before and after, but no reading any more
        BucketState one = new BucketState(BigDecimal.ZERO, 1, null, -1, 3);
        BucketState emptied = BucketMath.recompute(Aggregation.MAX, one, List.of());
        assertEquals(0, emptied.eventCount());
        assertEquals(4, emptied.version(), "consumers must learn the hour is empty");
        assertTrue(BucketMath.valueChanged(one, emptied));
        // and a new event of 0 in the emptied hour is a reading again
        BucketState refilled = BucketMath.apply(emptied, delta(Aggregation.MAX, "0", 0, 9), 0);
        assertEquals(5, refilled.version());
        // an unchanged value with events on both sides stays unpublished
        assertEquals(refilled.version(), BucketMath.apply(refilled, delta(Aggregation.MAX, "0", 1, 10), 0).version());
    }
}
