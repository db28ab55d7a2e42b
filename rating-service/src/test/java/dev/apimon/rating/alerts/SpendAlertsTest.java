package dev.apimon.rating.alerts;

import static dev.apimon.rating.KafkaEvents.subscribe;
import static dev.apimon.rating.KafkaEvents.usage;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.rating.KafkaEvents;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Budget, spend-cap and credits-low alerts: computed with live spend, sent to billing.alerts once per threshold and period. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class SpendAlertsTest {
    private static final String BOB = "cus_demo_bob";

    @Inject
    MutableClock clock;

    @AfterEach
    void reset() {
        clock.reset();
    }

    /** fee 5.00 + 0.05 per call, no commitment: totals are easy to reason about. */
    private static String meteredPlan() {
        Map<String, Object> plan = new HashMap<>();
        plan.put("code", "metered-" + System.nanoTime());
        plan.put("name", "Metered");
        plan.put("currency", "USD");
        plan.put("interval", "month");
        plan.put("fee", "5.00");
        plan.put("charges", List.of(Map.of("meter", "api_calls", "model", "per_unit", "unit_amount", "0.05")));
        return KafkaEvents.publish(plan);
    }

    private static void awaitAlerts(String token, String cus, int count) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(token).get("/v1/customers/" + cus + "/alerts").then().statusCode(200).body("data", hasSize(count)));
    }

    private static void awaitTotal(String cus, String total) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/spend").then().statusCode(200).body("total", equalTo(total)));
    }

    @Test
    void budgetAndCapAlertsFireOncePerThresholdAndPeriod_theCustomerManagesItsOwn() throws Exception {
        clock.set(Instant.parse("2026-08-10T00:00:00Z"));
        String code = meteredPlan();
        subscribe(BOB, code, 1, "2026-08-01T00:00:00Z");
        awaitTotal(BOB, "5.00");

        given().auth().oauth2(Tokens.bob()).get("/v1/customers/" + BOB + "/spend-alerts").then().statusCode(200)
                .body("budget", nullValue()).body("percentages", contains(50, 80, 100)).body("credits_low_fraction", equalTo("0.10"));
        given().auth().oauth2(Tokens.bob()).contentType(ContentType.JSON)
                .body(Map.of("budget", "20.00", "percentages", List.of(50, 80, 100), "spend_cap", "30.00"))
                .put("/v1/customers/" + BOB + "/spend-alerts").then().statusCode(200)
                .body("budget", equalTo("20.00")).body("spend_cap", equalTo("30.00")).body("credits_low_below", nullValue());
        given().auth().oauth2(Tokens.bob()).get("/v1/customers/" + BOB + "/spend-alerts").then().statusCode(200)
                .body("customer_id", equalTo(BOB)).body("budget", equalTo("20.00")).body("percentages", contains(50, 80, 100))
                .body("spend_cap", equalTo("30.00")).body("updated_at", equalTo("2026-08-10T00:00:00Z"));
        // another customer can neither read nor set them, nor read the alerts
        given().auth().oauth2(Tokens.alice()).get("/v1/customers/" + BOB + "/spend-alerts").then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(Map.of("budget", "1.00"))
                .put("/v1/customers/" + BOB + "/spend-alerts").then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).get("/v1/customers/" + BOB + "/alerts").then().statusCode(404);
        given().auth().oauth2(Tokens.bob()).contentType(ContentType.JSON)
                .body(Map.of("budget", "abc", "percentages", List.of(0, 50, 50), "spend_cap", "-1"))
                .put("/v1/customers/" + BOB + "/spend-alerts").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItems("budget", "spend_cap", "percentages[0]", "percentages[2]"));
        given().auth().oauth2(Tokens.bob()).get("/v1/customers/" + BOB + "/spend-alerts").then().body("budget", equalTo("20.00"));

        usage(BOB, "api_calls", "2026-08-09T10:00:00Z", "120", 1, "live");   // 5.00 + 6.00 = 11.00: 55 % of the budget
        awaitAlerts(Tokens.bob(), BOB, 1);
        usage(BOB, "api_calls", "2026-08-09T10:00:00Z", "340", 2, "live");   // 22.00: 110 %
        usage(BOB, "api_calls", "2026-08-09T10:00:00Z", "120", 1, "live");   // stale redelivery: nothing
        awaitAlerts(Tokens.bob(), BOB, 3);
        usage(BOB, "api_calls", "2026-08-09T11:00:00Z", "180", 1, "live");   // 31.00: over the 30.00 cap
        awaitAlerts(Tokens.bob(), BOB, 4);
        awaitTotal(BOB, "31.00");

        given().auth().oauth2(Tokens.bob()).get("/v1/customers/" + BOB + "/alerts?limit=3").then().statusCode(200)
                .body("data.kind", contains("spend_cap", "budget", "budget"))
                .body("data.threshold_percent", contains(100, 100, 80))
                .body("data.used", contains("31.00", "22.00", "22.00"))
                .body("data.limit", contains("30.00", "20.00", "20.00"))
                .body("data.type", contains("com.apimon.alert.spend_threshold", "com.apimon.alert.spend_threshold",
                        "com.apimon.alert.spend_threshold"))
                .body("data[0].period_start", equalTo("2026-08-01T00:00:00Z")).body("data[0].meter", nullValue())
                .body("next_cursor", org.hamcrest.Matchers.notNullValue());
        String cursor = given().auth().oauth2(Tokens.bob()).get("/v1/customers/" + BOB + "/alerts?limit=3").then().extract().path("next_cursor");
        given().auth().oauth2(Tokens.bob()).get("/v1/customers/" + BOB + "/alerts?limit=3&cursor=" + cursor).then().statusCode(200)
                .body("data.kind", contains("budget")).body("data.threshold_percent", contains(50)).body("data.used", contains("11.00"))
                .body("next_cursor", nullValue());

        // on the topic: exactly the four, each once, shaped as docs/events.md says
        List<ConsumerRecord<String, String>> records = KafkaEvents.records("billing.alerts", BOB, l -> false, Duration.ofSeconds(3));
        assertEquals(4, records.size(), "one record per crossed threshold");
        Map<String, JsonNode> byThreshold = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            assertEquals("com.apimon.alert.spend_threshold", KafkaEvents.header(r, "ce_type"));
            assertEquals(BOB, KafkaEvents.header(r, "ce_subject"));
            JsonNode p = KafkaEvents.JSON.readTree(r.value());
            byThreshold.put(p.get("kind").asText() + "@" + p.get("threshold_percent").asText(), p);
        }
        assertEquals(KafkaEvents.JSON.readTree("{\"customer_id\":\"cus_demo_bob\",\"kind\":\"budget\",\"meter\":null,\"threshold_percent\":80,"
                + "\"used\":\"22.00\",\"limit\":\"20.00\",\"currency\":\"USD\",\"period_start\":\"2026-08-01T00:00:00Z\","
                + "\"period_end\":\"2026-09-01T00:00:00Z\",\"at\":\"2026-08-10T00:00:00Z\"}"), byThreshold.get("budget@80"));
        assertEquals(List.of("budget@100", "budget@50", "budget@80", "spend_cap@100"), byThreshold.keySet().stream().sorted().toList());

        // a new period starts over: the same thresholds fire again, once
        clock.set(Instant.parse("2026-09-10T00:00:00Z"));
        usage(BOB, "api_calls", "2026-09-09T10:00:00Z", "340", 1, "live");   // 22.00 in September
        awaitAlerts(Tokens.bob(), BOB, 7);
        given().auth().oauth2(Tokens.bob()).get("/v1/customers/" + BOB + "/alerts?limit=3").then()
                .body("data.period_start", contains("2026-09-01T00:00:00Z", "2026-09-01T00:00:00Z", "2026-09-01T00:00:00Z"))
                .body("data.threshold_percent", contains(100, 80, 50));
    }

    @Test
    void creditsRunningLowAlertOnce_belowTheDefaultFractionOfTheGrant() throws Exception {
        clock.set(Instant.parse("2026-08-10T00:00:00Z"));
        String code = meteredPlan();
        String cus = "cus_low_" + System.nanoTime();
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("kind", "prepaid", "amount", "20.00", "currency", "USD")).post("/v1/customers/" + cus + "/credits")
                .then().statusCode(201);
        subscribe(cus, code, 1, "2026-08-01T00:00:00Z");
        usage(cus, "api_calls", "2026-08-09T10:00:00Z", "100", 1, "live");   // 10.00 due, paid by credits: 10.00 left
        // the fee alone also totals 0.00 (paid by credits): wait for the usage, seen as what the credits have left
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/spend").then().statusCode(200)
                        .body("credits_remaining", equalTo("10.00")).body("total", equalTo("0.00")));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/alerts").then().body("data", hasSize(0));

        usage(cus, "api_calls", "2026-08-09T10:00:00Z", "340", 2, "live");   // 22.00 due: credits cover 20.00, none left
        awaitAlerts(Tokens.admin(), cus, 1);
        usage(cus, "api_calls", "2026-08-09T10:00:00Z", "400", 3, "live");   // still none left: no second alert
        awaitTotal(cus, "5.00");
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/spend").then()
                .body("credits_applied", equalTo("20.00")).body("credits_remaining", equalTo("0.00"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/alerts").then().statusCode(200)
                .body("data", hasSize(1)).body("data[0].type", equalTo("com.apimon.alert.credits_low"))
                .body("data[0].kind", equalTo("credits_low")).body("data[0].threshold_percent", equalTo(10))
                .body("data[0].used", equalTo("0.00")).body("data[0].limit", equalTo("2.00"));

        List<ConsumerRecord<String, String>> records = KafkaEvents.records("billing.alerts", cus, l -> false, Duration.ofSeconds(2));
        List<String> types = new ArrayList<>();
        records.forEach(r -> types.add(KafkaEvents.header(r, "ce_type")));
        assertEquals(List.of("com.apimon.alert.credits_low"), types);
    }
}
