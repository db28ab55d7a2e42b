package dev.apimon.key.subscriptions;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.key.subscriptions.domain.SubscriptionService;
import dev.apimon.key.support.Db;
import dev.apimon.key.support.TestKafka;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class SubscriptionResourceTest {
    @Inject
    AgroalDataSource db;
    @Inject
    MutableClock clock;
    @Inject
    SubscriptionService service;

    String basic;
    String pro;

    /** Fresh plan codes per test: basic v1 ($9), pro v1 ($49), pro v2 ($59), pro v3 (archived). */
    @BeforeEach
    void plans() {
        long n = System.nanoTime();
        basic = "basic" + n;
        pro = "pro" + n;
        TestKafka.publishPlan(basic, 1, "published", "USD", "9.00", List.of("GET /pets/**"));
        TestKafka.publishPlan(pro, 1, "published", "USD", "49.00", List.of("GET /pets/**", "POST /pets", "feature:webhooks"));
        TestKafka.publishPlan(pro, 2, "published", "USD", "59.00", List.of("GET /pets/**", "POST /pets", "feature:webhooks"));
        TestKafka.publishPlan(pro, 3, "archived", "USD", "69.00", List.of("GET /pets/**"));
        Db.awaitPlan(db, basic, 1, "published");
        Db.awaitPlan(db, pro, 3, "archived");
    }

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    private String customer() {
        return given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "Subs Co", "currency", "USD")).post("/v1/customers")
                .then().statusCode(201).extract().path("id");
    }

    private ValidatableResponse assign(String cus, Map<String, Object> body) {
        return given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(body)
                .post("/v1/customers/" + cus + "/subscription").then();
    }

    private ValidatableResponse post(String path, Object body) {
        return given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(body).post(path).then();
    }

    private ValidatableResponse get(String cus) {
        return given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/subscription").then();
    }

    @Test
    void assigningAPlanThatIsNotInTheCatalogIsA400NamingTheField() {
        String cus = customer();
        assign(cus, Map.of("plan_code", "nope" + System.nanoTime())).statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("plan_code"));
        assign(cus, Map.of("plan_code", pro, "plan_version", 7)).statusCode(400).body("errors[0].field", equalTo("plan_version"));
        assign(cus, Map.of("plan_code", pro, "plan_version", 3)).statusCode(400).body("errors[0].field", equalTo("plan_version"))
                .body("detail", org.hamcrest.Matchers.containsString("archived"));
        assign(cus, Map.of("plan_version", 1)).statusCode(400).body("errors[0].field", equalTo("plan_code"));
        assign(cus, Map.of("plan_code", pro, "start_at", "yesterday")).statusCode(400).body("errors[0].field", equalTo("start_at"));
        assign(cus, Map.of("plan_code", pro, "start_at", Instant.now().plus(Duration.ofDays(3)).toString())).statusCode(400)
                .body("errors[0].field", equalTo("start_at"));
        assign("cus_missing", Map.of("plan_code", pro)).statusCode(404);
        get(cus).statusCode(404);
        assertEquals(0, Db.count(db, "SELECT count(*) FROM subscription_history WHERE customer_id = ?", cus), "nothing half-stored");
    }

    @Test
    void assignDefaultsToTheLatestPublishedVersion_anchorsMonthlyPeriods_andPublishesTheSnapshot() {
        // mid-hour: the anchor is the start of the hour, so the first period owns the hourly usage bucket it starts in
        clock.set(Instant.parse("2026-01-31T10:41:07Z"));
        String cus = customer();
        assign(cus, Map.of("plan_code", pro)).statusCode(201)
                .body("plan.code", equalTo(pro)).body("plan.version", equalTo(2))
                .body("status", equalTo("active"))
                .body("period_anchor", equalTo("2026-01-31T10:00:00Z"))
                .body("current_period_start", equalTo("2026-01-31T10:00:00Z"))
                .body("current_period_end", equalTo("2026-02-28T10:00:00Z"))
                .body("cancel_at_period_end", equalTo(false))
                .body("scheduled_change", nullValue());
        assign(cus, Map.of("plan_code", basic)).statusCode(409).body("code", equalTo("SUBSCRIPTION_EXISTS"));
        get(cus).statusCode(200).body("plan.version", equalTo(2));

        ConsumerRecord<String, String> r = TestKafka.byKey("subscriptions.events", cus, 1).get(0);
        assertEquals("com.apimon.subscription.created", TestKafka.header(r, "ce_type"));
        assertEquals(cus, TestKafka.header(r, "ce_subject"));
        JsonNode s = TestKafka.json(r);
        List<String> fields = new ArrayList<>();
        s.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("customer_id", "subscription_id", "plan", "status", "period_anchor", "current_period_start",
                "current_period_end", "cancel_at_period_end", "scheduled_change", "changed_at"), fields, "docs/events.md shape (+ changed_at)");
        assertEquals(pro, s.at("/plan/code").asText());
        assertEquals(2, s.at("/plan/version").asInt());
        assertEquals("2026-02-28T10:00:00Z", s.get("current_period_end").asText());
        assertTrue(s.get("scheduled_change").isNull());
    }

    @Test
    void adminsMayBackdateTheAnchor_theCurrentPeriodFollowsIt() {
        clock.set(Instant.parse("2026-03-10T12:00:00Z"));
        String cus = customer();
        assign(cus, Map.of("plan_code", basic, "plan_version", 1, "start_at", "2025-12-31T00:29:59Z")).statusCode(201)
                .body("period_anchor", equalTo("2025-12-31T00:00:00Z"))
                .body("current_period_start", equalTo("2026-02-28T00:00:00Z"))
                .body("current_period_end", equalTo("2026-03-31T00:00:00Z"));
    }

    @Test
    void upgradeAppliesNow_downgradeIsScheduledForThePeriodEnd_andAppliedThere() {
        clock.set(Instant.parse("2026-01-31T00:00:00Z"));
        String cus = customer();
        assign(cus, Map.of("plan_code", basic)).statusCode(201);
        clock.set(Instant.parse("2026-02-05T08:00:00Z"));
        post("/v1/customers/" + cus + "/subscription/change", Map.of("plan_code", pro, "plan_version", 1)).statusCode(200)
                .body("plan.code", equalTo(pro)).body("changed_at", equalTo("2026-02-05T08:00:00Z"))
                .body("current_period_end", equalTo("2026-02-28T00:00:00Z"));
        post("/v1/customers/" + cus + "/subscription/change", Map.of("plan_code", basic)).statusCode(200)
                .body("plan.code", equalTo(pro))
                .body("scheduled_change.plan.code", equalTo(basic))
                .body("scheduled_change.at", equalTo("2026-02-28T00:00:00Z"));
        post("/v1/customers/" + cus + "/subscription/change", Map.of("plan_code", pro, "plan_version", 1)).statusCode(409)
                .body("code", equalTo("PLAN_UNCHANGED"));
        post("/v1/customers/" + cus + "/subscription/change", Map.of("plan_code", pro, "effective", "later")).statusCode(400)
                .body("errors[0].field", equalTo("effective"));

        clock.set(Instant.parse("2026-02-27T23:59:59Z"));
        get(cus).body("plan.code", equalTo(pro));
        clock.set(Instant.parse("2026-03-01T00:00:00Z"));
        get(cus).statusCode(200).body("plan.code", equalTo(basic)).body("scheduled_change", nullValue())
                .body("changed_at", equalTo("2026-02-28T00:00:00Z"))
                .body("current_period_start", equalTo("2026-02-28T00:00:00Z"))
                .body("current_period_end", equalTo("2026-03-31T00:00:00Z"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/subscription/history").then().statusCode(200)
                .body("data.action", contains("created", "changed", "change_scheduled", "scheduled_change_applied"))
                .body("data[1].actor", equalTo("admin"))
                .body("data[3].actor", equalTo("system:scheduler"))
                .body("data[3].snapshot.plan.code", equalTo(basic));

        List<ConsumerRecord<String, String>> events = TestKafka.byKey("subscriptions.events", cus, 4);
        assertEquals(List.of("com.apimon.subscription.created", "com.apimon.subscription.changed", "com.apimon.subscription.changed",
                "com.apimon.subscription.changed"), events.stream().map(r -> TestKafka.header(r, "ce_type")).toList());
        JsonNode last = TestKafka.json(events.get(3));
        assertEquals(basic, last.at("/plan/code").asText(), "the compacted topic's latest record is the current state");
    }

    @Test
    void cancelAtPeriodEnd_reactivate_cancel_thenANewSubscriptionCanStart() {
        clock.set(Instant.parse("2026-04-15T00:00:00Z"));
        String cus = customer();
        String first = assign(cus, Map.of("plan_code", pro)).statusCode(201).extract().path("subscription_id");
        given().auth().oauth2(Tokens.admin()).post("/v1/customers/" + cus + "/subscription/cancel").then().statusCode(200) // no body at all
                .body("status", equalTo("active")).body("cancel_at_period_end", equalTo(true))
                .body("cancel_at", equalTo("2026-05-15T00:00:00Z"));
        post("/v1/customers/" + cus + "/subscription/change", Map.of("plan_code", basic)).statusCode(409)
                .body("code", equalTo("CANCELLATION_PENDING"));
        post("/v1/customers/" + cus + "/subscription/reactivate", Map.of()).statusCode(200).body("cancel_at_period_end", equalTo(false));
        post("/v1/customers/" + cus + "/subscription/cancel", Map.of("at_period_end", true)).statusCode(200);
        clock.set(Instant.parse("2026-05-15T00:00:00Z"));
        get(cus).statusCode(200).body("status", equalTo("canceled")).body("canceled_at", equalTo("2026-05-15T00:00:00Z"));
        post("/v1/customers/" + cus + "/subscription/suspend", Map.of()).statusCode(409).body("code", equalTo("SUBSCRIPTION_CANCELED"));

        String second = assign(cus, Map.of("plan_code", basic)).statusCode(201).body("status", equalTo("active"))
                .body("period_anchor", equalTo("2026-05-15T00:00:00Z")).extract().path("subscription_id");
        assertTrue(!first.equals(second), "a new subscription after a cancellation");
        List<ConsumerRecord<String, String>> events = TestKafka.byKey("subscriptions.events", cus, 6);
        assertEquals("com.apimon.subscription.canceled", TestKafka.header(events.get(4), "ce_type"));
        assertEquals("canceled", TestKafka.json(events.get(4)).get("status").asText());
        assertEquals("com.apimon.subscription.created", TestKafka.header(events.get(5), "ce_type"));

        post("/v1/customers/" + cus + "/subscription/cancel", Map.of("at_period_end", false)).statusCode(200)
                .body("status", equalTo("canceled"));
    }

    @Test
    void suspendAndResume_areIdempotent_andPublished() {
        String cus = customer();
        assign(cus, Map.of("plan_code", pro)).statusCode(201);
        post("/v1/customers/" + cus + "/subscription/suspend", Map.of("reason", "fraud review")).statusCode(200)
                .body("status", equalTo("suspended")).body("suspend_reason", equalTo("fraud review"));
        given().auth().oauth2(Tokens.admin()).post("/v1/customers/" + cus + "/subscription/suspend").then().statusCode(200)
                .body("suspend_reason", equalTo("fraud review"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body("{\"reason\": ").post("/v1/customers/" + cus + "/subscription/suspend")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("MALFORMED_JSON"));
        post("/v1/customers/" + cus + "/subscription/resume", Map.of()).statusCode(200).body("status", equalTo("active"))
                .body("suspend_reason", nullValue());
        given().auth().oauth2(Tokens.admin()).post("/v1/customers/" + cus + "/subscription/resume").then().statusCode(200)
                .body("status", equalTo("active"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/subscription/history?limit=2").then()
                .body("data.action", contains("created", "suspended")).body("next_cursor", not(nullValue()));
        assertEquals(3, Db.count(db, "SELECT count(*) FROM subscription_history WHERE customer_id = ?", cus), "repeats record nothing");
        List<ConsumerRecord<String, String>> events = TestKafka.byKey("subscriptions.events", cus, 3);
        assertEquals(List.of("com.apimon.subscription.created", "com.apimon.subscription.suspended", "com.apimon.subscription.resumed"),
                events.stream().map(r -> TestKafka.header(r, "ce_type")).toList());
        assertEquals("suspended", TestKafka.json(events.get(1)).get("status").asText());
    }

    @Test
    void theSweeperRollsPeriodsWithoutAnyRead() {
        clock.set(Instant.parse("2026-06-30T00:00:00Z"));
        String cus = customer();
        assign(cus, Map.of("plan_code", basic)).statusCode(201);
        clock.set(Instant.parse("2026-08-01T00:00:00Z"));
        try {
            while (service.sweep(500) == 500) {
                // drain
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        assertEquals("2026-07-30 00:00:00+00", Db.string(db,
                "SELECT to_char(current_period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS+00') FROM subscriptions WHERE customer_id = ?", cus));
        List<ConsumerRecord<String, String>> events = TestKafka.byKey("subscriptions.events", cus, 2);
        assertEquals(2, events.size(), "created, then the renewal");
        assertEquals("com.apimon.subscription.changed", TestKafka.header(events.get(1), "ce_type"));
        assertEquals("2026-08-30T00:00:00Z", TestKafka.json(events.get(1)).get("current_period_end").asText());
    }

    @Test
    void idempotencyKeyOnAssignReturnsTheFirstResult() {
        String cus = customer();
        String key = "assign-" + System.nanoTime();
        String id = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(Map.of("plan_code", pro)).post("/v1/customers/" + cus + "/subscription").then().statusCode(201)
                .extract().path("subscription_id");
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(Map.of("plan_code", pro)).post("/v1/customers/" + cus + "/subscription").then().statusCode(201)
                .header("Idempotent-Replayed", "true").body("subscription_id", equalTo(id));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(Map.of("plan_code", basic)).post("/v1/customers/" + cus + "/subscription").then().statusCode(422)
                .body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));
        assertEquals(1, Db.count(db, "SELECT count(*) FROM subscription_history WHERE customer_id = ?", cus));
    }

    @Test
    void grandfathering_andAdminScheduledMigrationAtEachSubscribersNextPeriod() {
        clock.set(Instant.parse("2026-01-10T00:00:00Z"));
        String a = customer();
        assign(a, Map.of("plan_code", pro, "plan_version", 1)).statusCode(201);
        clock.set(Instant.parse("2026-01-20T00:00:00Z"));
        String b = customer();
        assign(b, Map.of("plan_code", pro, "plan_version", 1)).statusCode(201);
        String c = customer();
        assign(c, Map.of("plan_code", pro, "plan_version", 1)).statusCode(201);
        post("/v1/customers/" + c + "/subscription/change", Map.of("plan_code", basic)).statusCode(200); // pending downgrade

        // publishing pro v2 earlier changed nothing for existing subscribers (grandfathering)
        get(a).body("plan.version", equalTo(1)).body("scheduled_change", nullValue());

        post("/v1/plans/" + pro + "/versions/1/migrations", Map.of("to_version", 1)).statusCode(400).body("errors[0].field", equalTo("to_version"));
        post("/v1/plans/" + pro + "/versions/1/migrations", Map.of("to_version", 3)).statusCode(400).body("errors[0].field", equalTo("to_version"));
        post("/v1/plans/" + pro + "/versions/1/migrations", Map.of()).statusCode(400).body("errors[0].field", equalTo("to_version"));
        post("/v1/plans/nope/versions/1/migrations", Map.of("to_version", 2)).statusCode(404);
        post("/v1/plans/" + pro + "/versions/1/migrations", Map.of("to_version", 2)).statusCode(201)
                .body("scheduled", equalTo(2)).body("skipped", contains(c)).body("id", org.hamcrest.Matchers.startsWith("mig_"));

        get(a).body("plan.version", equalTo(1)).body("scheduled_change.plan.version", equalTo(2))
                .body("scheduled_change.at", equalTo("2026-02-10T00:00:00Z"));
        get(b).body("scheduled_change.at", equalTo("2026-02-20T00:00:00Z"));
        clock.set(Instant.parse("2026-02-15T00:00:00Z"));
        get(a).body("plan.version", equalTo(2)).body("scheduled_change", nullValue());
        get(b).body("plan.version", equalTo(1));
        get(c).body("plan.code", equalTo(pro)).body("scheduled_change.plan.code", equalTo(basic)); // its own downgrade, Feb 20
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + a + "/subscription/history").then()
                .body("data.action", hasItem("migration_scheduled"));
    }

    @Test
    void keyScopesMustStayWithinTheCurrentPlansEntitlements() {
        String cus = customer();
        post("/v1/customers/" + cus + "/keys", Map.of("name", "before any plan", "scopes", List.of("DELETE /anything"))).statusCode(201);
        assign(cus, Map.of("plan_code", pro)).statusCode(201);
        post("/v1/customers/" + cus + "/keys", Map.of("name", "too wide", "scopes",
                List.of("GET /pets/1", "DELETE /pets/1", "feature:sso", "GET /pets/**"))).statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", contains("scopes[1]", "scopes[2]"));
        post("/v1/customers/" + cus + "/keys", Map.of("name", "narrow", "env", "test", "scopes",
                List.of("GET /pets/{id}", "feature:webhooks"))).statusCode(201).body("env", equalTo("test"));
        post("/v1/customers/" + cus + "/keys", Map.of("name", "unscoped")).statusCode(201);
    }
}
