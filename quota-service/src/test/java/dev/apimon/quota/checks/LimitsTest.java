package dev.apimon.quota.checks;

import static dev.apimon.quota.support.Fixtures.check;
import static dev.apimon.quota.support.Fixtures.peek;
import static dev.apimon.quota.support.Fixtures.quota;
import static dev.apimon.quota.support.Fixtures.rate;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.quota.limits.domain.BillingPeriod;
import dev.apimon.quota.limits.domain.CounterKeys;
import dev.apimon.quota.support.Fixtures;
import dev.apimon.quota.support.Fixtures.Customer;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.RedisResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Rate limits, hard and soft quotas, costs and headers, decided together in one Redis script. */
@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class LimitsTest {
    static final Instant ANCHOR = Instant.parse("2026-01-15T00:00:00Z");
    static final Instant NOW = Instant.parse("2026-02-20T08:00:00Z");

    @Inject
    MutableClock clock;

    @BeforeEach
    void freeze() {
        clock.set(NOW);
    }

    @AfterEach
    void reset() {
        clock.reset();
    }

    @Test
    void rateLimitedCheckConsumesNothingAndRecoversOneEmissionIntervalLater() {
        Customer c = Fixtures.customer(List.of(rate("default", 5, "PT1M")), List.of(quota("api_calls", 1000, "hard")), List.of(), ANCHOR);
        String k = c.key().plaintext();
        for (int i = 0; i < 5; i++) {
            check(k, "GET /x").then().body("code", equalTo("VALID"));
        }
        check(k, "GET /x").then().body("allowed", equalTo(false)).body("code", equalTo("RATE_LIMITED"))
                .body("retry_after_seconds", equalTo(12)).body("limits[0].remaining", equalTo(0))
                .body("limits[1].used", equalTo(5));
        check(k, "GET /x").then().body("code", equalTo("RATE_LIMITED"));
        // the two denied checks did not count against the quota
        peek(k, "GET /x").then().body("limits[1].used", equalTo(5));
        clock.advance(Duration.ofSeconds(11));
        check(k, "GET /x").then().body("code", equalTo("RATE_LIMITED")).body("retry_after_seconds", equalTo(1));
        clock.advance(Duration.ofSeconds(1));
        check(k, "GET /x").then().body("code", equalTo("VALID")).body("limits[0].remaining", equalTo(0));
        check(k, "GET /x").then().body("code", equalTo("RATE_LIMITED"));
    }

    @Inject
    io.vertx.mutiny.redis.client.Redis redis;

    @Test
    void theQuotaCounterExpiresADayAfterItsPeriodAndIsNotReExpiredByEachCheck() {
        Customer c = Fixtures.customer(List.of(), List.of(quota("api_calls", 100, "hard")), List.of(), ANCHOR);
        String k = c.key().plaintext();
        check(k, "GET /x").then().body("limits[1]", nullValue()).body("limits[0].used", equalTo(1));
        // period Feb 15 - Mar 15 (anchor the 15th); the counter lives until a day after its end
        String key = CounterKeys.quota(c.id(), "live", "api_calls", BillingPeriod.monthly(ANCHOR, NOW));
        long expected = Duration.between(NOW, Instant.parse("2026-03-16T00:00:00Z")).toMillis();
        long first = pttl(key);
        assertTrue(first > expected - 60_000 && first <= expected, "pttl " + first + " expected about " + expected);
        clock.advance(Duration.ofDays(2)); // the service clock moves; the expiry was set once, at creation
        check(k, "GET /x").then().body("limits[0].used", equalTo(2));
        long second = pttl(key);
        assertTrue(second > expected - 60_000 && second <= first, "pttl " + second);
    }

    private long pttl(String key) {
        return redis.send(io.vertx.mutiny.redis.client.Request.cmd(io.vertx.mutiny.redis.client.Command.PTTL).arg(key))
                .await().atMost(Duration.ofSeconds(5)).toLong();
    }

    @Test
    void hardQuotaDeniesAtTheLimitUntilTheNextAnchoredPeriod() {
        Customer c = Fixtures.customer(List.of(), List.of(quota("api_calls", 3, "hard")), List.of(), ANCHOR);
        String k = c.key().plaintext();
        for (int i = 1; i <= 3; i++) {
            check(k, "GET /x").then().body("code", equalTo("VALID")).body("limits[0].used", equalTo(i));
        }
        long untilPeriodEnd = Duration.between(NOW, Instant.parse("2026-03-15T00:00:00Z")).toSeconds();
        check(k, "GET /x").then().body("code", equalTo("QUOTA_EXCEEDED")).body("limits[0].used", equalTo(3))
                .body("limits[0].remaining", equalTo(0)).body("retry_after_seconds", equalTo((int) untilPeriodEnd))
                .body("limits[0].reset_at", equalTo("2026-03-15T00:00:00Z"));
        // another meter has no quota on this plan
        check(Map.of("key", k, "operation", "GET /x", "meter", "images")).then().body("code", equalTo("VALID"))
                .body("limits.size()", equalTo(0));
        clock.set(Instant.parse("2026-03-15T00:00:00Z"));
        check(k, "GET /x").then().body("code", equalTo("VALID")).body("limits[0].used", equalTo(1))
                .body("limits[0].reset_at", equalTo("2026-04-15T00:00:00Z"));
    }

    @Test
    void aFirstCheckBeyondTheHardQuotaLeavesNoCounterBehind() {
        Customer c = Fixtures.customer(List.of(), List.of(quota("images", 3, "hard")), List.of(), ANCHOR);
        String k = c.key().plaintext();
        String key = CounterKeys.quota(c.id(), "live", "images", BillingPeriod.monthly(ANCHOR, NOW));
        // a cost above the whole hard quota can never be allowed: FORBIDDEN, not QUOTA_EXCEEDED with a Retry-After
        // after which it would be refused again
        check(Map.of("key", k, "operation", "POST /images", "cost", 5, "meter", "images")).then().statusCode(200)
                .body("code", equalTo("FORBIDDEN")).body("reason", containsString("hard images quota"))
                .body("retry_after_seconds", nullValue());
        assertTrue(pttl(key) == -2, "nothing counted, pttl " + pttl(key));
        check(Map.of("key", k, "operation", "POST /images", "cost", 2, "meter", "images")).then().body("code", equalTo("VALID"))
                .body("limits[0].used", equalTo(2));
        assertTrue(pttl(key) > 0, "the counter of an allowed check expires, pttl " + pttl(key));
        check(Map.of("key", k, "operation", "POST /images", "cost", 2, "meter", "images")).then().body("code", equalTo("QUOTA_EXCEEDED"))
                .body("limits[0].used", equalTo(2)).body("retry_after_seconds", notNullValue());
        assertTrue(pttl(key) > 0, "a denial keeps the counter and its expiry, pttl " + pttl(key));
        check(Map.of("key", k, "operation", "POST /images", "cost", 0, "meter", "images")).then().body("limits[0].used", equalTo(2));
    }

    @Test
    void softQuotaAllowsAndMarksOverQuota() {
        Customer c = Fixtures.customer(List.of(), List.of(quota("api_calls", 2, "soft")), List.of(), ANCHOR);
        String k = c.key().plaintext();
        check(k, "GET /x").then().body("code", equalTo("VALID")).body("over_quota", nullValue());
        check(k, "GET /x").then().body("code", equalTo("VALID")).body("over_quota", nullValue());
        check(k, "GET /x").then().body("allowed", equalTo(true)).body("code", equalTo("VALID"))
                .body("over_quota", equalTo(true)).body("limits[0].over_quota", equalTo(true))
                .body("limits[0].used", equalTo(3)).body("limits[0].remaining", equalTo(0))
                .body("limits[0].enforcement", equalTo("soft"));
    }

    @Test
    void costAppliesToEveryLimitAndAnOversizedCostConsumesNothing() {
        Customer c = Fixtures.customer(List.of(rate("default", 10, "PT10S")), List.of(quota("images", 8, "hard")), List.of(), ANCHOR);
        String k = c.key().plaintext();
        check(Map.of("key", k, "operation", "POST /images", "cost", 5, "meter", "images")).then().body("code", equalTo("VALID"))
                .body("limits[0].remaining", equalTo(5)).body("limits[1].used", equalTo(5));
        // 5 more would fit the rate limit but not the quota: all-or-nothing
        check(Map.of("key", k, "operation", "POST /images", "cost", 5, "meter", "images")).then().body("code", equalTo("QUOTA_EXCEEDED"))
                .body("limits[0].remaining", equalTo(5)).body("limits[1].used", equalTo(5));
        check(Map.of("key", k, "operation", "POST /images", "cost", 3, "meter", "images")).then().body("code", equalTo("VALID"))
                .body("limits[0].remaining", equalTo(2)).body("limits[1].used", equalTo(8));
        // api_calls has no quota on this plan: only the rate limit applies, and it is nearly spent
        check(Map.of("key", k, "operation", "GET /x", "cost", 3)).then().body("code", equalTo("RATE_LIMITED"))
                .body("retry_after_seconds", equalTo(1));
    }

    @Test
    void severalRateLimitsAreDecidedTogether() {
        Customer c = Fixtures.customer(List.of(rate("per_second", 2, "PT1S"), rate("per_hour", 3, "PT1H")), List.of(), List.of(), ANCHOR);
        String k = c.key().plaintext();
        check(k, "GET /x").then().body("code", equalTo("VALID"));
        check(k, "GET /x").then().body("code", equalTo("VALID"));
        check(k, "GET /x").then().body("code", equalTo("RATE_LIMITED")).body("retry_after_seconds", equalTo(1));
        clock.advance(Duration.ofSeconds(1));
        check(k, "GET /x").then().body("code", equalTo("VALID")).body("limits[1].remaining", equalTo(0));
        clock.advance(Duration.ofSeconds(1));
        // per_second has room again, per_hour does not: the per_second limit must not be consumed
        check(k, "GET /x").then().body("code", equalTo("RATE_LIMITED")).body("retry_after_seconds", equalTo(1200 - 2));
        peek(k, "GET /x").then().body("limits[0].remaining", equalTo(2));
    }

    @Test
    void headersAreOptionalOnChecks() {
        Customer c = Fixtures.customer(List.of(rate("default", 2, "PT1M")), List.of(quota("api_calls", 100, "hard")), List.of(), ANCHOR);
        String k = c.key().plaintext();
        check(k, "GET /x").then().header("RateLimit", nullValue());
        given().contentType(ContentType.JSON).body(Map.of("key", k, "operation", "GET /x")).queryParam("headers", true)
                .post("/v1/checks").then().statusCode(200)
                .header("RateLimit-Policy", "\"default\";q=2;w=60, \"api_calls\";q=100;w=" + Duration.ofDays(28).toSeconds())
                .header("RateLimit", "\"default\";r=0;t=60, \"api_calls\";r=98;t=" + Duration.between(NOW, Instant.parse("2026-03-15T00:00:00Z")).toSeconds())
                .header("X-RateLimit-Limit", "2").header("X-RateLimit-Remaining", "0").header("X-RateLimit-Reset", "60")
                .header("Retry-After", nullValue());
        given().contentType(ContentType.JSON).body(Map.of("key", k, "operation", "GET /x")).queryParam("headers", true)
                .post("/v1/checks").then().statusCode(200).body("code", equalTo("RATE_LIMITED"))
                .header("Retry-After", "30").header("X-RateLimit-Remaining", "0").header("X-RateLimit-Limit", "2");
    }
}
