package dev.apimon.quota.limits;

import static dev.apimon.quota.support.Fixtures.quota;
import static dev.apimon.quota.support.Fixtures.rate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.quota.limits.domain.BillingPeriod;
import dev.apimon.quota.limits.domain.CircuitBreaker;
import dev.apimon.quota.limits.domain.CounterKeys;
import dev.apimon.quota.limits.store.ResilientLimiter;
import dev.apimon.quota.support.Fixtures;
import dev.apimon.quota.support.Fixtures.Customer;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.RedisResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Quotas fail open: what the local limiter allowed while Redis was unavailable is added to Redis' counters once
 * Redis answers again, so the period's count - and with it the hard quota on every replica - includes what was
 * served during the outage. Redis hung (SIGSTOP, its data kept) and Redis restarted (its data lost).
 */
@QuarkusTest
@TestProfile(QuotaWriteBackTest.QuotasFailOpen.class)
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class QuotaWriteBackTest {
    static final Instant ANCHOR = Instant.parse("2026-01-01T00:00:00Z");

    public static class QuotasFailOpen implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // the circuit stays open long enough that no check of the quota customer is sent to the stopped Redis (a
            // sent one would run when Redis resumes, and be counted there besides the local limiter)
            return Map.of("apimon.quota.failure.rate", "open",
                    "apimon.quota.failure.quota", "open",
                    "apimon.quota.redis.timeout", "100ms",
                    "apimon.quota.redis.open-for", "5s");
        }
    }

    @Inject
    ResilientLimiter limiter;

    @Inject
    RedisDataSource redis;

    @Inject
    MeterRegistry metrics;

    @Test
    void whatReplicasAllowedLocallyDuringAHungRedisIsAddedToItsCounterAfterwards() throws Exception {
        Customer c = Fixtures.customer(List.of(), List.of(quota("api_calls", 6, "hard")), List.of(), ANCHOR);
        Customer other = Fixtures.customer(List.of(rate("default", 1_000_000, "PT1M")), List.of(), List.of(), ANCHOR);
        String k = c.key().plaintext();
        for (int i = 1; i <= 3; i++) {
            JsonPath a = check(k);
            assertEquals("VALID", a.getString("code"));
            assertEquals(i, a.getInt("limits[0].used"));
        }
        String counter = counterKey(c);
        assertEquals(3L, counter(counter));

        RedisResource.pauseServer();
        double shortCircuited;
        try {
            // another customer's checks find Redis hung and open the circuit (those sent run later: not this quota)
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(1)).until(() -> {
                check(other.key().plaintext());
                return limiter.circuit() == CircuitBreaker.State.OPEN;
            });
            shortCircuited = shortCircuited();
            // the local limiter continues from Redis' last 3: 3 more, then the hard quota holds
            for (int i = 4; i <= 6; i++) {
                JsonPath a = check(k);
                assertEquals("VALID", a.getString("code"));
                assertTrue(degraded(a));
                assertEquals(i, a.getInt("limits[0].used"));
            }
            JsonPath refused = check(k);
            assertEquals("QUOTA_EXCEEDED", refused.getString("code"));
            assertTrue(degraded(refused));
            assertEquals(4.0, shortCircuited() - shortCircuited, "none of them was sent to Redis (the circuit was open throughout)");
        } finally {
            RedisResource.resumeServer();
        }
        assertEquals(3L, counter(counter), "Redis has not seen the local ones yet");

        // Redis answers again: the circuit closes on the next probe and the 3 units are written back
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> !degraded(check(other.key().plaintext())));
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> counter(counter) == 6L);
        // so Redis itself refuses the next check: the quota was not over-served by what the replica allowed alone
        JsonPath after = check(k);
        assertEquals("QUOTA_EXCEEDED", after.getString("code"));
        assertTrue(!degraded(after), "decided by Redis");
        assertEquals(6, after.getInt("limits[0].used"));
        Thread.sleep(1500); // a few more write-back sweeps: nothing is added twice
        assertEquals(6L, counter(counter));
    }

    @Test
    void afterARedisRestartTheWriteBackRecreatesTheCounterWithItsExpiry() throws Exception {
        Customer c = Fixtures.customer(List.of(), List.of(quota("api_calls", 10, "hard")), List.of(), ANCHOR);
        Customer other = Fixtures.customer(List.of(rate("default", 1_000_000, "PT1M")), List.of(), List.of(), ANCHOR);
        String k = c.key().plaintext();
        check(k);
        check(k);
        String counter = counterKey(c);
        assertEquals(2L, counter(counter));
        RedisResource.stopServer();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(1)).until(() -> {
                check(other.key().plaintext());
                return limiter.circuit() == CircuitBreaker.State.OPEN;
            });
            for (int i = 3; i <= 5; i++) {
                JsonPath a = check(k);
                assertEquals("VALID", a.getString("code"));
                assertTrue(degraded(a));
                assertEquals(i, a.getInt("limits[0].used"));
            }
        } finally {
            RedisResource.startServer(); // empty: the 2 counted before are gone (usage events keep billing exact)
        }
        // no check comes (a drained replica): the write-back sweep probes Redis itself and closes the circuit
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> counter(counter) == 3L);
        assertEquals(CircuitBreaker.State.CLOSED, limiter.circuit());
        long ttl = redis.key().pttl(counter);
        long expected = BillingPeriod.monthly(ANCHOR, Instant.now()).end().toEpochMilli() - System.currentTimeMillis()
                + CounterKeys.QUOTA_GRACE_MILLIS;
        assertTrue(ttl > expected - 60_000 && ttl <= expected + 1_000,
                "expires with its period (+ grace) as a counter limits.lua created would: " + ttl + " ms, expected " + expected);
        JsonPath next = check(k);
        assertTrue(!degraded(next));
        assertEquals(4, next.getInt("limits[0].used"));
    }

    private static JsonPath check(String key) {
        return Fixtures.check(key, "GET /pets").then().statusCode(200).extract().jsonPath();
    }

    /** "degraded" is in the answer only when true. */
    private static boolean degraded(JsonPath answer) {
        return Boolean.TRUE.equals(answer.get("degraded"));
    }

    private static String counterKey(Customer c) {
        return CounterKeys.quota(c.id(), "live", "api_calls", BillingPeriod.monthly(ANCHOR, Instant.now()));
    }

    private long counter(String key) {
        String v = redis.value(String.class).get(key);
        return v == null ? 0 : Long.parseLong(v);
    }

    private double shortCircuited() {
        return metrics.get("apimon.quota.redis.failures").tag("reason", "circuit_open").counter().count();
    }
}
