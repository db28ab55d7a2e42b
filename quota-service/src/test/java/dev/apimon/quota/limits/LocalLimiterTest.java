package dev.apimon.quota.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.quota.limits.domain.BillingPeriod;
import dev.apimon.quota.limits.domain.CounterKeys;
import dev.apimon.quota.limits.domain.Gcra;
import dev.apimon.quota.limits.domain.LimitRequest;
import dev.apimon.quota.limits.domain.LimitResult;
import dev.apimon.quota.limits.domain.LocalLimiter;
import dev.apimon.quota.limits.domain.QuotaSpec;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalLimiterTest {
    static final long NOW = Instant.parse("2026-02-20T00:00:00Z").getEpochSecond() * 1_000_000L;
    final BillingPeriod period = BillingPeriod.monthly(Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-02-20T00:00:00Z"));
    static final long GRACE = CounterKeys.QUOTA_GRACE_MILLIS;
    final LocalLimiter local = new LocalLimiter();

    LimitRequest req(long rateLimit, long quota, boolean hard, long cost, long now) {
        return new LimitRequest("cus_1", "live", now, cost,
                List.of(new LimitRequest.Rate("default", CounterKeys.rate("cus_1", "live", "default", Gcra.of(rateLimit, 60_000_000L)), Gcra.of(rateLimit, 60_000_000L))),
                new LimitRequest.Quota(new QuotaSpec("api_calls", quota, hard), CounterKeys.quota("cus_1", "live", "api_calls", period),
                        period, CounterKeys.alerts("cus_1", "live", "api_calls", period)), null);
    }

    @Test
    void enforcesTheSameGcraLocally() {
        for (int i = 0; i < 3; i++) {
            assertTrue(local.evaluate(req(3, 100, true, 1, NOW)).allowed());
        }
        LimitResult denied = local.evaluate(req(3, 100, true, 1, NOW));
        assertFalse(denied.allowed());
        assertEquals(LimitResult.Source.LOCAL, denied.source());
        assertEquals(3, denied.quotaUsed(), "a denied check consumes nothing");
        assertTrue(local.evaluate(req(3, 100, true, 1, NOW + 20_000_000L)).allowed());
    }

    @Test
    void hardQuotaContinuesFromWhatRedisLastReported() {
        LimitRequest r = req(1000, 10, true, 1, NOW);
        local.observe(r, new LimitResult(true, false, new long[] {0}, 8, false, false, LimitResult.Source.REDIS, null));
        assertTrue(local.evaluate(r).allowed());
        LimitResult tenth = local.evaluate(req(1000, 10, true, 1, NOW));
        assertTrue(tenth.allowed());
        assertEquals(10, tenth.quotaUsed());
        assertFalse(local.evaluate(req(1000, 10, true, 1, NOW)).allowed());
        // soft quotas only count
        assertTrue(local.evaluate(req(1000, 10, false, 1, NOW)).allowed());
    }

    static LimitResult redis(long used) {
        return new LimitResult(true, false, new long[] {0}, used, false, false, LimitResult.Source.REDIS, null);
    }

    @Test
    void locallyAllowedQuotaUnitsAreWrittenBackOnceAndForgottenOnlyWhenRedisAcknowledges() {
        LimitRequest r = req(1000, 10, true, 1, NOW);
        local.observe(r, redis(7));
        assertFalse(local.hasWriteBacks());
        for (int i = 0; i < 2; i++) {
            assertTrue(local.evaluate(r).allowed());
        }
        assertTrue(local.hasWriteBacks());
        List<LocalLimiter.WriteBack> taken = local.takeWriteBacks(10, Instant.ofEpochSecond(NOW / 1_000_000), GRACE, 0);
        assertEquals(1, taken.size());
        LocalLimiter.WriteBack w = taken.get(0);
        assertEquals(r.quota().counterKey(), w.counterKey());
        assertEquals(2, w.amount());
        assertEquals(period.end(), w.periodEnd());
        assertTrue(w.markerKey().startsWith("apimon:wb:{cus_1}:live:api_calls:"), w.markerKey());
        assertEquals(List.of(), local.takeWriteBacks(10, Instant.ofEpochSecond(NOW / 1_000_000), GRACE, 0), "not sent twice at once");

        // Redis is back and answers checks, but has not counted the 2 yet: they still count here
        local.observe(r, redis(7));
        assertTrue(local.evaluate(r).allowed(), "7 + 2 + 1 = 10");
        assertFalse(local.evaluate(r).allowed(), "the hard quota holds: 10 used");

        // the write-back was not acknowledged: resent as it was (same marker, so Redis adds it once)
        local.writeBackFailed(w);
        List<LocalLimiter.WriteBack> again = local.takeWriteBacks(10, Instant.ofEpochSecond(NOW / 1_000_000), GRACE, 0);
        assertEquals(List.of(w), again);
        local.writtenBack(w, 9);
        // the unit allowed meanwhile is the next write-back
        List<LocalLimiter.WriteBack> next = local.takeWriteBacks(10, Instant.ofEpochSecond(NOW / 1_000_000), GRACE, 0);
        assertEquals(1, next.size());
        assertEquals(1, next.get(0).amount());
        assertNotEquals(w.markerKey(), next.get(0).markerKey());
        local.writtenBack(next.get(0), 10);
        assertFalse(local.hasWriteBacks(), "nothing left to write back");
        assertFalse(local.evaluate(r).allowed(), "Redis' 10 is the whole count now");
        local.observe(r, redis(4)); // e.g. Redis restarted and counted anew: nothing of this replica's is added again
        assertEquals(5, local.evaluate(r).quotaUsed());
    }

    @Test
    void aCheckRedisRanLateAfterTheLocalAnswerIsNotWrittenBackToo() {
        LimitRequest r = req(1000, 10, true, 1, NOW);
        local.observe(r, redis(3));
        LimitResult answered = local.evaluate(r); // the budget ran out: allowed locally
        LimitResult other = local.evaluate(r);    // this one Redis never ran
        assertTrue(answered.allowed() && other.allowed());
        // Redis' late answer: it ran the first one as well
        local.observe(r, redis(4));
        local.countedByRedisToo(r, answered, redis(4));
        List<LocalLimiter.WriteBack> taken = local.takeWriteBacks(10, Instant.ofEpochSecond(NOW / 1_000_000), GRACE, 0);
        assertEquals(1, taken.size());
        assertEquals(1, taken.get(0).amount(), "only the unit Redis did not count");
        // a late answer that Redis denied, or a duplicate, counted nothing there: nothing to take back
        local.countedByRedisToo(r, other, new LimitResult(false, false, new long[] {0}, 4, false, false, LimitResult.Source.REDIS, null));
        local.countedByRedisToo(r, other, new LimitResult(true, true, new long[] {0}, 4, false, false, LimitResult.Source.REDIS, null));
        local.writeBackFailed(taken.get(0));
        assertEquals(1, local.takeWriteBacks(10, Instant.ofEpochSecond(NOW / 1_000_000), GRACE, 0).get(0).amount());
    }

    @Test
    void unitsAllowedWithinTheSettleTimeAreLeftForALaterSweep_soALateRedisAnswerStillTakesThemOut() {
        LimitRequest r = req(1000, 10, true, 1, NOW);
        local.observe(r, redis(3));
        LimitResult answered = local.evaluate(r); // allowed locally at NOW
        long settle = 200_000; // hung-after, 200 ms
        Instant justAfter = Instant.ofEpochSecond(0, (NOW + 150_000) * 1000);
        assertEquals(List.of(), local.takeWriteBacks(10, justAfter, GRACE, settle), "Redis may still answer this check");
        local.countedByRedisToo(r, answered, redis(4)); // it did, late: counted there
        Instant later = Instant.ofEpochSecond(0, (NOW + 250_000) * 1000);
        assertEquals(List.of(), local.takeWriteBacks(10, later, GRACE, settle), "nothing left: Redis counted it");
        assertFalse(local.hasWriteBacks());
        LimitResult unanswered = local.evaluate(r);
        assertTrue(unanswered.allowed());
        assertEquals(1, local.takeWriteBacks(10, later, GRACE, settle).get(0).amount(), "settled: written back");
    }

    @Test
    void rateLimitsAndDeniedChecksLeaveNothingToWriteBack_andEndedPeriodsAreDropped() {
        LimitRequest rateOnly = new LimitRequest("cus_1", "live", NOW, 1, req(3, 10, true, 1, NOW).rates(), null, null);
        assertTrue(local.evaluate(rateOnly).allowed());
        assertFalse(local.hasWriteBacks());
        LimitRequest r = req(1000, 10, true, 1, NOW);
        local.observe(r, redis(10));
        assertFalse(local.evaluate(r).allowed());
        assertFalse(local.hasWriteBacks());
        local.observe(r, redis(5));
        assertTrue(local.evaluate(r).allowed());
        // the counter expired in Redis a grace period after its period: writing it back would only recreate it
        assertEquals(List.of(), local.takeWriteBacks(10, period.end().plusMillis(GRACE + 1), GRACE, 0));
        assertFalse(local.hasWriteBacks());
    }
}
