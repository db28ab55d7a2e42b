package dev.apimon.quota.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
