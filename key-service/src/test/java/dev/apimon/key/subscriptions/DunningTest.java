package dev.apimon.key.subscriptions;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.key.subscriptions.domain.PaymentEvent;
import dev.apimon.key.subscriptions.domain.SubscriptionService;
import dev.apimon.key.support.Db;
import dev.apimon.key.support.TestKafka;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** billing.payments drives dunning: a final failed attempt suspends, paying again resumes; each event applies once. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class DunningTest {
    @Inject
    AgroalDataSource db;

    private String subscribedCustomer() {
        String plan = "dun" + System.nanoTime();
        TestKafka.publishPlan(plan, 1, "published", "USD", "49.00", List.of("GET /pets/**"));
        Db.awaitPlan(db, plan, 1, "published");
        String cus = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "Late Payer", "currency", "USD")).post("/v1/customers").then().statusCode(201).extract().path("id");
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("plan_code", plan))
                .post("/v1/customers/" + cus + "/subscription").then().statusCode(201);
        return cus;
    }

    private static String payment(String cus, String type, int attempt, boolean last) {
        String id = "pay-" + UUID.randomUUID();
        publish(cus, type, id, attempt, last);
        return id;
    }

    private static void publish(String cus, String type, String id, int attempt, boolean last) {
        TestKafka.publish("billing.payments", cus, "com.apimon.payment." + type, id,
                "{\"customer_id\": \"" + cus + "\", \"invoice_id\": \"inv_1\", \"status\": \"" + type + "\", \"attempt\": " + attempt
                        + ", \"final_attempt\": " + last + ", \"next_attempt_at\": null, \"at\": \"2026-11-21T10:00:00Z\"}");
    }

    private void awaitApplied(String eventId) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Db.count(db,
                "SELECT count(*) FROM inbox WHERE consumer = ? AND event_id = ?", SubscriptionService.PAYMENTS_CONSUMER, eventId) == 1);
    }

    private String status(String cus) {
        return given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/subscription").then().statusCode(200).extract().path("status");
    }

    @Test
    void finalFailureSuspends_paymentResumes_andRedeliveriesChangeNothing() {
        String cus = subscribedCustomer();
        awaitApplied(payment(cus, "failed", 1, false));
        assertEquals("active", status(cus), "a retry is still coming: nothing happens yet");

        String finalFailure = payment(cus, "failed", 4, true);
        awaitApplied(finalFailure);
        assertEquals("suspended", status(cus));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/subscription").then()
                .body("suspend_reason", equalTo("dunning"));

        publish(cus, "failed", finalFailure, 4, true); // redelivery of the same CloudEvent
        awaitApplied(payment(cus, "succeeded", 5, false));
        assertEquals("active", status(cus));

        publish(cus, "failed", finalFailure, 4, true); // a replay of the topic after the customer paid
        awaitApplied(payment(cus, "failed", 1, false)); // same partition: applied after the replay
        assertEquals("active", status(cus), "the replayed failure was applied once already and changes nothing");
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/subscription/history").then()
                .body("data.action", contains("created", "suspended", "resumed"))
                .body("data[1].actor", equalTo("system:billing.payments"))
                .body("data[1].details.event_id", equalTo(finalFailure));

        List<String> types = TestKafka.byKey("subscriptions.events", cus, 3).stream().map(r -> TestKafka.header(r, "ce_type")).toList();
        assertEquals(List.of("com.apimon.subscription.created", "com.apimon.subscription.suspended", "com.apimon.subscription.resumed"), types);
    }

    @Inject
    SubscriptionService service;

    @Test
    void downgradePolicyMovesToTheFallbackPlan_andPayingRestoresThePlan() throws Exception {
        String cus = subscribedCustomer();
        String plan = given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/subscription").then().extract().path("plan.code");
        String free = "free" + System.nanoTime();
        TestKafka.publishPlan(free, 1, "published", "USD", "0", List.of("GET /pets/1"));
        Db.awaitPlan(db, free, 1, "published");
        service.applyPayment(new PaymentEvent("pay-" + UUID.randomUUID(), PaymentEvent.FAILED, cus, "inv_9", 4, true, null), "downgrade", free);
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/subscription").then()
                .body("status", equalTo("active")).body("plan.code", equalTo(free)).body("restore_plan.code", equalTo(plan));
        service.applyPayment(new PaymentEvent("pay-" + UUID.randomUUID(), PaymentEvent.SUCCEEDED, cus, "inv_9", 5, false, null), "downgrade", free);
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/subscription").then()
                .body("plan.code", equalTo(plan)).body("restore_plan", org.hamcrest.Matchers.nullValue());
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/subscription/history").then()
                .body("data.action", contains("created", "dunning_downgraded", "changed"));

        String other = subscribedCustomer(); // the fallback plan is unknown: suspend instead
        service.applyPayment(new PaymentEvent("pay-" + UUID.randomUUID(), PaymentEvent.FAILED, other, "inv_8", 4, true, null), "downgrade", "nope");
        assertEquals("suspended", status(other));
    }

    @Test
    void aPaymentNeverLiftsAnAdminsSuspension() {
        String cus = subscribedCustomer();
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", "abuse"))
                .post("/v1/customers/" + cus + "/subscription/suspend").then().statusCode(200);
        awaitApplied(payment(cus, "succeeded", 1, false));
        assertEquals("suspended", status(cus));
    }

    @Test
    void poisonPaymentEventsAreDeadLettered() {
        String cus = subscribedCustomer();
        String marker = "poison-pay-" + System.nanoTime();
        TestKafka.publish("billing.payments", cus, "com.apimon.payment.failed", marker, "{\"invoice_id\": \"" + marker + "\"}");
        TestKafka.publish("billing.payments", cus, "com.apimon.payment.refunded", marker + "-2",
                "{\"customer_id\": \"" + cus + "\", \"invoice_id\": \"" + marker + "\"}");
        String ok = payment(cus, "failed", 4, true);
        awaitApplied(ok);
        assertEquals("suspended", status(cus), "the consumer carried on after the poison");
        assertEquals(2, TestKafka.records("apimon.dead-letter", r -> r.value() != null && r.value().contains(marker), 2,
                Duration.ofSeconds(20)).size());
    }
}
