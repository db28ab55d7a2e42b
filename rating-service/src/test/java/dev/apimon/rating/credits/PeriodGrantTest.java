package dev.apimon.rating.credits;

import static dev.apimon.rating.KafkaEvents.usage;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.rating.KafkaEvents;
import dev.apimon.rating.spend.messaging.PeriodRollover;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A plan's credit_grant, granted once per billing period of each subscriber through the credit ledger: on the
 * subscription event for the current period, by the rollover tick for a period that opens without any event, never
 * twice, and spent by live spend and rated periods like any credit.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class PeriodGrantTest {
    @Inject
    MutableClock clock;
    @Inject
    PeriodRollover rollover;
    @Inject
    AgroalDataSource db;

    @AfterEach
    void reset() {
        clock.reset();
    }

    /** fee 5.00, api_calls free up to 10,000 then 0.005, and 10.00 of credit each period expiring after P1M. */
    private static String grantingPlan() {
        Map<String, Object> plan = new HashMap<>();
        plan.put("code", "granting-" + System.nanoTime());
        plan.put("name", "Granting");
        plan.put("currency", "USD");
        plan.put("interval", "month");
        plan.put("fee", "5.00");
        plan.put("credit_grant", Map.of("amount", "10.00", "expires_after", "P1M"));
        plan.put("charges", List.of(Map.of("meter", "api_calls", "model", "graduated", "tiers", List.of(
                Map.of("up_to", 10000, "unit_amount", "0"), Map.of("unit_amount", "0.005")))));
        return KafkaEvents.publish(plan);
    }

    private static io.restassured.response.ValidatableResponse credits(String cus) {
        return given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/credits").then().statusCode(200);
    }

    private static io.restassured.response.ValidatableResponse ledger(String cus) {
        return given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/credits/ledger").then().statusCode(200);
    }

    /** It is November 21; a new customer's subscription snapshot on a fresh granting plan, anchored November 5. */
    private Map<String, Object> subscriptionOnGrantingPlan(String cus) {
        clock.set(Instant.parse("2026-11-21T10:00:00Z"));
        return KafkaEvents.subscription(cus, grantingPlan(), 1, "2026-11-05T00:00:00Z");
    }

    @Test
    void eachPeriodGetsItsGrantOnce_fromTheSubscriptionEventOrTheRollover_andCreditsPayLiveSpend() throws Exception {
        String cus = "cus_grant_" + System.nanoTime();
        Map<String, Object> subscription = subscriptionOnGrantingPlan(cus);
        KafkaEvents.send("subscriptions.events", cus, "com.apimon.subscription.created", "sub-created-" + cus, subscription);

        // the current period (Nov 5 – Dec 5) gets its grant, dated at the period start, expiring P1M after it
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> credits(cus).body("sources", hasSize(1)));
        credits(cus).body("balances.USD", equalTo("10.00"))
                .body("sources[0].kind", equalTo("grant")).body("sources[0].currency", equalTo("USD"))
                .body("sources[0].amount", equalTo("10.00")).body("sources[0].remaining", equalTo("10.00"))
                .body("sources[0].priority", equalTo(100))
                .body("sources[0].created_at", equalTo("2026-11-05T00:00:00Z"))
                .body("sources[0].expires_at", equalTo("2026-12-05T00:00:00Z"));
        ledger(cus).body("data.reason", contains("granted")).body("data[0].delta", equalTo("10.00"))
                .body("data[0].balance_after", equalTo("10.00")).body("data[0].reference", equalTo("plan_grant:2026-11-05T00:00:00Z"));

        // a redelivery of that event and another snapshot of the same subscription (e.g. key-service's own renewal
        // snapshot) grant nothing more
        KafkaEvents.send("subscriptions.events", cus, "com.apimon.subscription.created", "sub-created-" + cus, subscription);
        KafkaEvents.send("subscriptions.events", cus, "com.apimon.subscription.changed", "sub-changed-" + cus, subscription);
        awaitInbox("sub-changed-" + cus);
        credits(cus).body("sources", hasSize(1)).body("balances.USD", equalTo("10.00"));
        ledger(cus).body("data.reason", contains("granted"));

        // the credit pays the period's spend: fee 5.00 + 500 calls over the free tier at 0.005 = 7.50, all from credits
        usage(cus, "api_calls", "2026-11-20T09:00:00Z", "10500", 1, "live");
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/spend").then().statusCode(200)
                        .body("lines.find { it.meter == 'api_calls' }.amount", equalTo("2.50")));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/spend").then().statusCode(200)
                .body("period_start", equalTo("2026-11-05T00:00:00Z")).body("subtotal", equalTo("7.50"))
                .body("credits_applied", equalTo("7.50")).body("total", equalTo("0.00")).body("credits_remaining", equalTo("2.50"));
        JsonNode november = lastSpend(cus, s -> "2.50".equals(s.path("credits_remaining").asText()));
        assertEquals("7.50", november.get("credits_applied").asText());

        // December 5 passes without any event: the rollover opens the period, grants its credit and publishes its spend
        clock.set(Instant.parse("2026-12-06T00:00:00Z"));
        assertTrue(rollover.run() >= 1);
        credits(cus).body("sources", hasSize(2))
                .body("sources[1].created_at", equalTo("2026-12-05T00:00:00Z"))
                .body("sources[1].expires_at", equalTo("2027-01-05T00:00:00Z"))
                .body("sources[1].remaining", equalTo("10.00"))
                .body("balances.USD", equalTo("10.00")); // November's grant expired with its period: its 10.00 are gone
        ledger(cus).body("data.reason", contains("granted", "granted"))
                .body("data[1].reference", equalTo("plan_grant:2026-12-05T00:00:00Z"));
        JsonNode december = lastSpend(cus, s -> "2026-12-05T00:00:00Z".equals(s.path("period_start").asText()));
        assertEquals("5.00", december.get("credits_applied").asText());
        assertEquals("0.00", december.get("total").asText());
        assertEquals("5.00", december.get("credits_remaining").asText());

        // a second tick finds nothing to do; November, now closed, is rated with its own grant as it stood then
        rollover.run();
        credits(cus).body("sources", hasSize(2));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/rated-periods?start=2026-11-05T00:00:00Z").then()
                .statusCode(200).body("period_end", equalTo("2026-12-05T00:00:00Z"))
                .body("credits_applied", equalTo("7.50")).body("total", equalTo("0.00")).body("credits_remaining", equalTo("2.50"));
    }

    @Test
    void aSuspendedSubscriptionEarnsNoGrant() throws Exception {
        String cus = "cus_grant_susp_" + System.nanoTime();
        Map<String, Object> subscription = subscriptionOnGrantingPlan(cus);
        subscription.put("status", "suspended");
        KafkaEvents.send("subscriptions.events", cus, "com.apimon.subscription.suspended", "sub-suspended-" + cus, subscription);
        awaitInbox("sub-suspended-" + cus);
        credits(cus).body("sources", hasSize(0));

        // resumed within the period: that period's grant comes then
        subscription.put("status", "active");
        KafkaEvents.send("subscriptions.events", cus, "com.apimon.subscription.resumed", "sub-resumed-" + cus, subscription);
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> credits(cus).body("sources", hasSize(1)));
        credits(cus).body("sources[0].created_at", equalTo("2026-11-05T00:00:00Z")).body("balances.USD", equalTo("10.00"));
    }

    private void awaitInbox(String eventId) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT 1 FROM inbox WHERE consumer = 'rating-subscriptions' AND event_id = ?")) {
                ps.setString(1, eventId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /** The customer's latest billing.spend snapshot once one matches. */
    private static JsonNode lastSpend(String cus, java.util.function.Predicate<JsonNode> matches) throws Exception {
        List<ConsumerRecord<String, String>> records = KafkaEvents.records("billing.spend", cus,
                rs -> !rs.isEmpty() && matches.test(read(rs.get(rs.size() - 1))), Duration.ofSeconds(20));
        Optional<JsonNode> last = records.isEmpty() ? Optional.empty() : Optional.of(read(records.get(records.size() - 1)));
        assertTrue(last.isPresent() && matches.test(last.get()), "no matching billing.spend snapshot for " + cus + ": " + last);
        return last.get();
    }

    private static JsonNode read(ConsumerRecord<String, String> r) {
        try {
            return KafkaEvents.JSON.readTree(r.value());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
