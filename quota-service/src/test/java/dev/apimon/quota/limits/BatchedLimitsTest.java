package dev.apimon.quota.limits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.quota.checks.domain.CheckEngine;
import dev.apimon.quota.limits.domain.BillingPeriod;
import dev.apimon.quota.limits.domain.CounterKeys;
import dev.apimon.quota.limits.domain.Gcra;
import dev.apimon.quota.limits.domain.LimitRequest;
import dev.apimon.quota.limits.domain.LimitResult;
import dev.apimon.quota.limits.domain.QuotaSpec;
import dev.apimon.quota.limits.store.ResilientLimiter;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.RedisResource;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Checks that reach the limiter in the same event-loop turn go to Redis as one batch (one EVALSHA): each is still
 * decided atomically on its own, in order (a denied check consumes nothing, so later checks of the same batch see
 * exactly what the allowed ones consumed); a check the script fails on falls back alone; and when Redis is down
 * every check of the batch is answered by the failure policy (here fail-open: the local limiter), with recovery
 * on a new connection once Redis is back.
 */
@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class BatchedLimitsTest {
    static final long HOUR_MICROS = 3_600_000_000L;

    @Inject
    ResilientLimiter limiter;

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry metrics;

    @Inject
    RedisDataSource redis;

    @Test
    void checksOfOneBatchAreEachDecidedInOrderAndDeniedOnesConsumeNothing() throws Exception {
        long now = CheckEngine.toMicros(Instant.now());
        String a = customer();
        String b = customer();
        // a: hard quota of 3 (rate limit far away); b: 2 per hour; interleaved in one batch
        List<LimitRequest> batch = List.of(quota(a, 3, now, 1), rate(b, 2, now), quota(a, 3, now, 1), quota(a, 3, now, 2),
                rate(b, 2, now), quota(a, 3, now, 1), rate(b, 2, now), quota(a, 3, now, 1));
        DistributionSummary sizes = metrics.get("apimon.quota.redis.batch.checks").summary();
        long batchesBefore = sizes.count();
        double checksBefore = sizes.totalAmount();

        List<LimitResult> r = oneTurn(batch);

        assertEquals(1, sizes.count() - batchesBefore, "one call to Redis");
        assertEquals(8, sizes.totalAmount() - checksBefore, "for all eight checks");
        assertTrue(r.stream().noneMatch(LimitResult::degraded), "all decided by Redis");
        // a: 1 + 1 = 2 used; cost 2 would make 4 > 3: denied, nothing consumed; then 1 more fits (3); then none
        assertArrayEquals(new boolean[] {true, true, true, false, true, true, false, false}, allowed(r));
        assertEquals(List.of(1L, 2L, 2L, 3L, 3L), List.of(r.get(0).quotaUsed(), r.get(2).quotaUsed(), r.get(3).quotaUsed(),
                r.get(5).quotaUsed(), r.get(7).quotaUsed()));
        // the next batch sees what the previous one left: a still at 3, b still limited
        List<LimitResult> next = oneTurn(List.of(quota(a, 3, now + 1, 1), rate(b, 2, now + 1)));
        assertArrayEquals(new boolean[] {false, false}, allowed(next));
        assertEquals(3, next.get(0).quotaUsed());
    }

    @Test
    void eachThresholdAlertsOncePerPeriodAndAgainOnlyAfterItsMarkerIsCleared() throws Exception {
        long now = CheckEngine.toMicros(Instant.now());
        String c = customer();
        // limit 10: 80% is 8 units. 7 → nothing; 8 → 80%; 9 → nothing (marked); cost 5 → denied (hard), nothing
        List<LimitResult> r = oneTurn(List.of(quota(c, 10, now, 7), quota(c, 10, now, 1), quota(c, 10, now, 1), quota(c, 10, now, 5)));
        assertEquals(List.of(false, true, false, false), r.stream().map(LimitResult::alert80).toList());
        assertEquals(List.of(false, false, false, false), r.stream().map(LimitResult::alert100).toList());
        String markers = quota(c, 10, now, 1).quota().alertKey();
        assertEquals("8", redis.hash(String.class).hget(markers, "80:10"), "the marker remembers the usage it fired at");
        assertTrue(redis.key().pttl(markers) > Duration.ofDays(1).toMillis(), "markers live until the period's end + 1 day");
        // the alert could not be published: AlertPublisher clears the marker, so the next allowed check fires it again
        redis.hash(String.class).hdel(markers, "80:10");
        r = oneTurn(List.of(quota(c, 10, now + 1, 1)));
        assertEquals(List.of(true, true), List.of(r.get(0).alert80(), r.get(0).alert100()), "80% again, and 100% reached");
        r = oneTurn(List.of(quota(c, 10, now + 2, 0)));
        assertEquals(List.of(false, false), List.of(r.get(0).alert80(), r.get(0).alert100()), "a peek fires nothing");
    }

    @Test
    void aLimitRaisedMidPeriodAlertsAgainAtItsOwnThresholds() throws Exception {
        long now = CheckEngine.toMicros(Instant.now());
        String c = customer();
        List<LimitResult> r = oneTurn(List.of(quota(c, 10, now, 10)));
        assertEquals(List.of(true, true), List.of(r.get(0).alert80(), r.get(0).alert100()));
        // the customer upgrades to 50 in the same period: same counter, same marker hash
        r = oneTurn(List.of(quota(c, 50, now + 1, 29), quota(c, 50, now + 2, 1), quota(c, 50, now + 3, 10), quota(c, 50, now + 4, 1)));
        assertEquals(List.of(false, true, false, false), r.stream().map(LimitResult::alert80).toList(), "80% of 50 at 40");
        assertEquals(List.of(false, false, true, false), r.stream().map(LimitResult::alert100).toList(), "100% of 50 at 50");
        assertEquals(List.of(39L, 40L, 50L, 50L), r.stream().map(LimitResult::quotaUsed).toList());
    }

    @Test
    void aClearedMarkerAtAHardQuotasLimitFiresAgainOnTheNextCheckThoughItIsDenied() throws Exception {
        long now = CheckEngine.toMicros(Instant.now());
        String c = customer();
        List<LimitResult> r = oneTurn(List.of(quota(c, 10, now, 10)));
        assertEquals(List.of(true, true, true), List.of(r.get(0).allowed(), r.get(0).alert80(), r.get(0).alert100()));
        // fired in the same script as the markers: pending until Kafka acknowledges them (no publisher runs here)
        String marker = quota(c, 10, now, 1).quota().alertKey();
        for (int threshold : new int[] {80, 100}) {
            assertTrue(redis.sortedSet(String.class).zscore(CounterKeys.PENDING_ALERTS, marker + "|" + threshold + "|10|10").isPresent(),
                    threshold + "% pending");
        }
        // neither alert could be published: both markers cleared. No check of this period will be allowed again.
        String markers = quota(c, 10, now, 1).quota().alertKey();
        redis.hash(String.class).hdel(markers, "80:10", "100:10");
        r = oneTurn(List.of(quota(c, 10, now + 1, 1)));
        assertEquals(List.of(false, true, true), List.of(r.get(0).allowed(), r.get(0).alert80(), r.get(0).alert100()),
                "denied, and both alerts fire again");
        assertEquals(10, r.get(0).quotaUsed(), "the denied check consumed nothing");
        r = oneTurn(List.of(quota(c, 10, now + 2, 1)));
        assertEquals(List.of(false, false), List.of(r.get(0).alert80(), r.get(0).alert100()), "once per period again");
    }

    @Test
    void aCheckTheScriptFailsOnFallsBackAloneByPolicy() throws Exception {
        long now = CheckEngine.toMicros(Instant.now());
        String broken = customer();
        // a quota counter that is a list (WRONGTYPE): the script errors for this check only
        LimitRequest brokenCheck = quota(broken, 10, now, 1);
        redis.list(String.class).lpush(brokenCheck.quota().counterKey(), "x");
        String ok = customer();
        List<LimitResult> r = oneTurn(List.of(rate(ok, 5, now), brokenCheck, rate(ok, 5, now)));
        assertEquals(LimitResult.Source.REDIS, r.get(0).source());
        assertEquals(LimitResult.Source.LOCAL, r.get(1).source(), "the failed check alone answered by the fail-open policy");
        assertEquals(LimitResult.Source.REDIS, r.get(2).source());
        assertArrayEquals(new boolean[] {true, true, true}, allowed(r));
    }

    @Test
    void redisDownAnswersEveryCheckOfTheBatchByPolicyThenANewConnectionRecovers() throws Exception {
        long now = CheckEngine.toMicros(Instant.now());
        String a = customer();
        assertEquals(LimitResult.Source.REDIS, oneTurn(List.of(rate(a, 100, now))).get(0).source()); // connection open
        RedisResource.stopServer();
        try {
            List<LimitResult> r = oneTurn(List.of(rate(a, 100, now), quota(customer(), 10, now, 1), rate(a, 100, now)));
            assertTrue(r.stream().allMatch(x -> x.source() == LimitResult.Source.LOCAL && x.allowed()),
                    "every check of the batch answered by the fail-open policy: " + r);
        } finally {
            RedisResource.startServer();
        }
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() ->
                oneTurn(List.of(rate(a, 100, now))).get(0).source() == LimitResult.Source.REDIS);
    }

    /** Submits every request in one event-loop turn and waits for all answers. */
    private List<LimitResult> oneTurn(List<LimitRequest> requests) throws InterruptedException {
        LimitResult[] out = new LimitResult[requests.size()];
        CountDownLatch answered = new CountDownLatch(requests.size());
        vertx.runOnContext(v -> {
            for (int i = 0; i < requests.size(); i++) {
                int at = i;
                limiter.evaluate(requests.get(i), res -> {
                    out[at] = res;
                    answered.countDown();
                });
            }
        });
        assertTrue(answered.await(10, TimeUnit.SECONDS), "every check answered");
        return List.of(out);
    }

    private static boolean[] allowed(List<LimitResult> r) {
        boolean[] out = new boolean[r.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = r.get(i).allowed();
        }
        return out;
    }

    private static String customer() {
        return "cus_batch_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static LimitRequest rate(String customer, long perHour, long now) {
        return new LimitRequest(customer, "live", now, 1, List.of(new LimitRequest.Rate("default",
                CounterKeys.rate(customer, "live", "default", Gcra.of(perHour, HOUR_MICROS)), Gcra.of(perHour, HOUR_MICROS))), null, null);
    }

    private static LimitRequest quota(String customer, long limit, long now, long cost) {
        Instant t = Instant.ofEpochSecond(0, now * 1000);
        BillingPeriod period = BillingPeriod.monthly(Instant.parse("2026-01-01T00:00:00Z"), t);
        List<LimitRequest.Rate> rates = new ArrayList<>();
        rates.add(new LimitRequest.Rate("default", CounterKeys.rate(customer, "live", "default", Gcra.of(1_000_000, HOUR_MICROS)), Gcra.of(1_000_000, HOUR_MICROS)));
        return new LimitRequest(customer, "live", now, cost, rates, new LimitRequest.Quota(new QuotaSpec("api_calls", limit, true),
                CounterKeys.quota(customer, "live", "api_calls", period), period, CounterKeys.alerts(customer, "live", "api_calls", period)),
                null);
    }
}
