package dev.apimon.quota.checks;

import static dev.apimon.quota.support.Fixtures.check;
import static dev.apimon.quota.support.Fixtures.rate;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.quota.limits.domain.Gcra;
import dev.apimon.quota.support.Fixtures;
import dev.apimon.quota.support.Fixtures.Customer;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.RedisResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Lua script in real Redis decides every request exactly as the GCRA definition does: random arrival times
 * (from the test clock) and costs, each decision, remaining count and Retry-After compared one by one.
 */
@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class GcraRedisTest {
    @Inject
    MutableClock clock;

    @AfterEach
    void reset() {
        clock.reset();
    }

    @Test
    void redisScriptMatchesTheDefinition() {
        Instant t0 = Instant.parse("2026-06-01T00:00:00Z");
        clock.set(t0);
        Customer c = Fixtures.customer(List.of(rate("default", 7, "PT10S")), List.of(), List.of(), t0);
        Gcra ref = Gcra.of(7, 10_000_000L);
        Random rnd = new Random(7);
        long tat = 0;
        long now = t0.getEpochSecond() * 1_000_000L;
        int allowed = 0;
        for (int i = 0; i < 400; i++) {
            now += (long) (rnd.nextDouble() * 2.2 * ref.emissionMicros());
            clock.set(Instant.ofEpochSecond(0, now * 1000));
            long cost = rnd.nextInt(8) == 0 ? 2 : 1;
            Gcra.Step expected = ref.decide(tat, now, cost);
            JsonPath got = check(Map.of("key", c.key().plaintext(), "operation", "GET /x", "cost", cost)).then().statusCode(200)
                    .extract().jsonPath();
            String at = "request " + i + " (cost " + cost + ")";
            assertEquals(expected.conforms(), got.getBoolean("allowed"), at);
            long delta = (expected.conforms() ? expected.tat() : Math.max(tat, now)) - now;
            assertEquals(ref.remaining(delta), got.getLong("limits[0].remaining"), at + " remaining");
            if (!expected.conforms()) {
                assertEquals(ref.retryAfterSeconds(delta, cost), got.getLong("retry_after_seconds"), at + " retry");
            }
            if (expected.conforms()) {
                allowed++;
            }
            tat = expected.tat();
        }
        // the traffic was above the limit on average: both outcomes were exercised
        org.junit.jupiter.api.Assertions.assertTrue(allowed > 100 && allowed < 390, "allowed " + allowed);
    }
}
