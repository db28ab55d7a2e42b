package dev.apimon.quota.checks;

import static dev.apimon.quota.support.Fixtures.check;
import static dev.apimon.quota.support.Fixtures.peek;
import static dev.apimon.quota.support.Fixtures.quota;
import static dev.apimon.quota.support.Fixtures.rate;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.platform.keys.ApiKeys;
import dev.apimon.quota.support.Fixtures;
import dev.apimon.quota.support.Fixtures.Customer;
import dev.apimon.quota.support.Fixtures.Key;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.RedisResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** POST /v1/checks end to end: the view from real Kafka, the limits in real Redis, time from the test clock. */
@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class ChecksApiTest {
    static final Instant ANCHOR = Instant.parse("2026-01-31T10:00:00Z");
    static final Instant NOW = Instant.parse("2026-03-05T12:00:00Z");
    static final List<String> PETS = List.of("GET /pets/**", "POST /pets", "feature:webhooks");

    @Inject
    MutableClock clock;

    @Inject
    Vertx vertx;

    @BeforeEach
    void freeze() {
        clock.set(NOW);
    }

    @AfterEach
    void reset() {
        clock.reset();
    }

    @Test
    void allowedCheckAnswersTheContractShapeWithPeriodAlignedToTheAnchor() {
        Customer c = Fixtures.customer(List.of(rate("default", 5, "PT1M")), List.of(quota("api_calls", 100, "hard")), PETS, ANCHOR);
        check(Map.of("key", c.key().plaintext(), "operation", "GET /pets/42", "cost", 1, "meter", "api_calls"))
                .then().statusCode(200)
                .body("allowed", equalTo(true))
                .body("code", equalTo("VALID"))
                .body("customer_id", equalTo(c.id()))
                .body("plan.code", equalTo(c.planCode()))
                .body("plan.version", equalTo(1))
                .body("limits", hasSize(2))
                .body("limits[0].kind", equalTo("rate"))
                .body("limits[0].name", equalTo("default"))
                .body("limits[0].limit", equalTo(5))
                .body("limits[0].remaining", equalTo(4))
                .body("limits[0].reset_seconds", equalTo(12))
                .body("limits[1].kind", equalTo("quota"))
                .body("limits[1].meter", equalTo("api_calls"))
                .body("limits[1].limit", equalTo(100))
                .body("limits[1].used", equalTo(1))
                .body("limits[1].remaining", equalTo(99))
                // anchor Jan 31 10:00 -> periods start Feb 28 10:00 and Mar 31 10:00 (end-of-month clamping)
                .body("limits[1].reset_at", equalTo("2026-03-31T10:00:00Z"))
                .body("limits[1].enforcement", equalTo("hard"))
                .body("reason", nullValue());
    }

    @Test
    void malformedAndUnknownKeysAreInvalid() {
        Fixtures.awaitViewLoaded();
        check("sk_live_notAKeyAtAll", "GET /pets").then().statusCode(200)
                .body("allowed", equalTo(false)).body("code", equalTo("INVALID_KEY")).body("reason", containsString("malformed"));
        check(ApiKeys.generate("live"), "GET /pets").then().statusCode(200)
                .body("code", equalTo("INVALID_KEY")).body("reason", containsString("unknown"));
    }

    @Test
    void entitlementsAndScopesDecideOperations() {
        Customer c = Fixtures.customer(List.of(), List.of(), PETS, ANCHOR);
        String k = c.key().plaintext();
        check(k, "GET /pets/42/photos?size=large").then().body("code", equalTo("VALID"));
        check(k, "HEAD /pets/42").then().body("code", equalTo("VALID"));
        check(k, "POST /pets").then().body("code", equalTo("VALID"));
        check(k, "feature:webhooks").then().body("code", equalTo("VALID"));
        check(k, "DELETE /pets/42").then().body("code", equalTo("FORBIDDEN")).body("reason", containsString("does not entitle"));
        check(k, "POST /pets/42").then().body("code", equalTo("FORBIDDEN"));
        check(k, "feature:sso").then().body("code", equalTo("FORBIDDEN"));
        // the path is resolved before matching: no escaping an entitlement with dot segments or encoding
        check(k, "GET /pets/../admin").then().body("code", equalTo("FORBIDDEN"));
        check(k, "GET /pets/%2e%2e/admin").then().body("code", equalTo("FORBIDDEN"));

        // a scoped key narrows what the plan allows
        Key scoped = Fixtures.newKey("live", "GET /pets/*");
        Fixtures.keys(c.id(), "com.apimon.key.created", c.key(), scoped);
        Fixtures.awaitCode(scoped.plaintext(), "GET /pets/1", "VALID");
        check(scoped.plaintext(), "POST /pets").then().body("code", equalTo("FORBIDDEN")).body("reason", containsString("scopes"));
        check(scoped.plaintext(), "GET /pets/1/photos").then().body("code", equalTo("FORBIDDEN"));
        check(k, "POST /pets").then().body("code", equalTo("VALID"));
    }

    @Test
    void aPlanWithoutOperationPatternsAllowsEveryOperationButOnlyItsFeatures() {
        Customer c = Fixtures.customer(List.of(), List.of(), List.of("feature:export"), ANCHOR);
        check(c.key().plaintext(), "DELETE /anything/at/all").then().body("code", equalTo("VALID"));
        check(c.key().plaintext(), "feature:export").then().body("code", equalTo("VALID"));
        check(c.key().plaintext(), "feature:webhooks").then().body("code", equalTo("FORBIDDEN"));
    }

    @Test
    void revokedExpiredSuspendedAndUnsubscribedAreRefused() {
        Customer c = Fixtures.customer(List.of(rate("default", 100, "PT1M")), List.of(), PETS, ANCHOR);
        Key revoked = Fixtures.newKey("live").revoked(NOW.minusSeconds(60));
        Key expiring = Fixtures.newKey("live").expiring(NOW.plusSeconds(30));
        Fixtures.keys(c.id(), "com.apimon.key.rotated", c.key(), revoked, expiring);
        Fixtures.awaitCode(revoked.plaintext(), "GET /pets", "REVOKED");
        check(revoked.plaintext(), "GET /pets").then().body("allowed", equalTo(false)).body("customer_id", equalTo(c.id()));
        check(expiring.plaintext(), "GET /pets").then().body("code", equalTo("VALID"));
        clock.advance(Duration.ofSeconds(30));
        check(expiring.plaintext(), "GET /pets").then().body("code", equalTo("EXPIRED"));

        Fixtures.subscription(c.id(), c.planCode(), 1, "suspended", ANCHOR);
        Fixtures.awaitCode(c.key().plaintext(), "GET /pets", "SUSPENDED");
        Fixtures.subscription(c.id(), c.planCode(), 1, "canceled", ANCHOR);
        Fixtures.awaitCode(c.key().plaintext(), "GET /pets", "FORBIDDEN");
        Fixtures.send("subscriptions.events", c.id(), "com.apimon.subscription.canceled", c.id(), null);
        Fixtures.awaitCode(c.key().plaintext(), "GET /pets", "FORBIDDEN");
        check(c.key().plaintext(), "GET /pets").then().body("reason", containsString("no subscription"));

        // a subscription to a plan the catalog does not have is refused, never allowed unlimited
        Fixtures.subscription(c.id(), "no-such-plan", 9, "active", ANCHOR);
        Fixtures.awaitCode(c.key().plaintext(), "GET /pets", "FORBIDDEN");
        check(c.key().plaintext(), "GET /pets").then().body("reason", containsString("not in the catalog"));
    }

    @Test
    void testKeysHaveTheirOwnCounters() {
        Customer c = Fixtures.customer(List.of(rate("default", 2, "PT1H")), List.of(), PETS, ANCHOR);
        Key test = Fixtures.newKey("test");
        Fixtures.keys(c.id(), "com.apimon.key.created", c.key(), test);
        Fixtures.awaitCode(test.plaintext(), "GET /pets", "VALID");
        check(c.key().plaintext(), "GET /pets").then().body("code", equalTo("VALID"));
        check(c.key().plaintext(), "GET /pets").then().body("code", equalTo("VALID"));
        check(c.key().plaintext(), "GET /pets").then().body("code", equalTo("RATE_LIMITED"));
        peek(test.plaintext(), "GET /pets").then().body("env", equalTo("test")).body("limits[0].remaining", equalTo(2));
    }

    @Test
    void aScheduledPlanChangeAppliesAtItsInstant() {
        String big = Fixtures.planCode();
        Fixtures.plan(big, 1, List.of(rate("default", 1000, "PT1M")), List.of(), List.of());
        Customer c = Fixtures.customer(List.of(rate("default", 10, "PT1M")), List.of(), PETS, ANCHOR);
        Map<String, Object> change = Map.of("plan", Map.of("code", big, "version", 1), "at", NOW.plusSeconds(3600).toString());
        Fixtures.subscription(c.id(), c.planCode(), 1, "active", ANCHOR, change);
        Fixtures.awaitCode(c.key().plaintext(), "DELETE /pets/1", "FORBIDDEN"); // still the old plan's entitlements
        peek(c.key().plaintext(), "GET /pets").then().body("limits[0].limit", equalTo(10));
        clock.advance(Duration.ofHours(1));
        peek(c.key().plaintext(), "DELETE /pets/1").then().body("code", equalTo("VALID"))
                .body("plan.code", equalTo(big)).body("limits[0].limit", equalTo(1000));
    }

    @Test
    void badInputIsAProblemNamingTheField() {
        given().contentType(ContentType.JSON).body(Map.of("operation", "GET /pets")).post("/v1/checks")
                .then().statusCode(400).contentType("application/problem+json").body("errors.field", hasItem("key"));
        String key = ApiKeys.generate("live");
        given().contentType(ContentType.JSON).body(Map.of("key", key)).post("/v1/checks")
                .then().statusCode(400).body("errors.field", hasItem("operation"));
        given().contentType(ContentType.JSON).body(Map.of("key", key, "operation", "pets")).post("/v1/checks")
                .then().statusCode(400).body("errors.field", hasItem("operation"));
        given().contentType(ContentType.JSON).body(Map.of("key", key, "operation", "GET /pets", "cost", -1)).post("/v1/checks")
                .then().statusCode(400).body("errors.field", hasItem("cost"));
        given().contentType(ContentType.JSON).body(Map.of("key", key, "operation", "GET /pets", "cost", 1.5)).post("/v1/checks")
                .then().statusCode(400).body("errors.field", hasItem("cost"));
        given().contentType(ContentType.JSON).body(Map.of("key", key, "operation", "GET /pets", "record", true)).post("/v1/checks")
                .then().statusCode(400).body("errors.field", hasItem("request_id"));
        Map<String, Object> spaced = new HashMap<>(Map.of("key", key, "operation", "GET /pets", "meter", "api calls"));
        given().contentType(ContentType.JSON).body(spaced).post("/v1/checks")
                .then().statusCode(400).body("errors.field", hasItem("meter"));
        given().contentType(ContentType.JSON).body("{\"key\": ").post("/v1/checks")
                .then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void checksAreTimedByTheServicesOwnTimerNotThePerRequestHttpTimer() {
        Customer c = Fixtures.customer(List.of(rate("default", 5, "PT1M")), List.of(), PETS, ANCHOR);
        double before = timerCount(metrics());
        check(Map.of("key", c.key().plaintext(), "operation", "GET /pets/1")).then().statusCode(200).body("code", equalTo("VALID"));
        String after = metrics();
        assertTrue(timerCount(after) >= before + 1, "apimon_quota_check_duration_seconds counts the decision");
        assertFalse(after.contains("uri=\"/v1/checks\""), "the generic HTTP server timer skips the check route");
        for (String le : List.of("0.001", "0.002", "0.005", "0.02", "0.05")) {
            assertTrue(after.contains("apimon_quota_check_duration_seconds_bucket{le=\"" + le + "\"}"),
                    "the check's timer has the fixed bucket le=" + le + " (share of checks over 1/2/5/20/50 ms)");
        }
    }

    @Test
    void checksAreServedByOneEventLoopPerCore() {
        int loops = 0;
        for (var ignored : ((VertxInternal) vertx).getEventLoopGroup()) {
            loops++;
        }
        assertEquals(Runtime.getRuntime().availableProcessors(), loops,
                "one event loop per core (EventLoopPerCore), not Vert.x's two");
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static double timerCount(String metrics) {
        return metrics.lines().filter(l -> l.startsWith("apimon_quota_check_duration_seconds_count"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
