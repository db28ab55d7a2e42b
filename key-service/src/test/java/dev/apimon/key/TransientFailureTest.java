package dev.apimon.key;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.key.subscriptions.domain.SubscriptionService;
import dev.apimon.key.support.Db;
import dev.apimon.key.support.TestKafka;
import dev.apimon.testinfra.DeadLetterTopic;
import dev.apimon.testinfra.InjectedFailures;
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

/**
 * A failure of the database while a consumer applies an event (here a trigger that raises a transient SQLSTATE for
 * one event's first writes: 40001 serialization failure, 08006 connection failure) is retried in place until the
 * event is applied — exactly once, and never dead-lettered. The payment case outlasts the 30 s key-service used to
 * retry for before dead-lettering the event (12 failures: the last one more than 30 s after the first).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class TransientFailureTest {
    @Inject
    AgroalDataSource db;

    private String subscribedCustomer() {
        String plan = "tf" + System.nanoTime();
        TestKafka.publishPlan(plan, 1, "published", "USD", "49.00", List.of("GET /pets/**"));
        Db.awaitPlan(db, plan, 1, "published");
        String cus = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "Unlucky Payer", "currency", "USD")).post("/v1/customers").then().statusCode(201).extract().path("id");
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("plan_code", plan))
                .post("/v1/customers/" + cus + "/subscription").then().statusCode(201);
        return cus;
    }

    private String status(String cus) {
        return given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/subscription").then().statusCode(200).extract().path("status");
    }

    @Test
    void aFinalFailedPaymentHitBySerializationFailuresForOver30sIsRetriedAndAppliedOnce_notDeadLettered() throws Exception {
        String cus = subscribedCustomer();
        String finalFailure = "pay-" + UUID.randomUUID();
        try (InjectedFailures failures = InjectedFailures.failFirst(db, "inbox", "event_id", finalFailure, 12, "40001")) {
            TestKafka.publish("billing.payments", cus, "com.apimon.payment.failed", finalFailure,
                    "{\"customer_id\": \"" + cus + "\", \"invoice_id\": \"inv_1\", \"status\": \"failed\", \"attempt\": 4, "
                            + "\"final_attempt\": true, \"next_attempt_at\": null, \"at\": \"2026-11-21T10:00:00Z\"}");
            Awaitility.await().atMost(Duration.ofSeconds(75)).pollInterval(Duration.ofMillis(500)).until(() -> Db.count(db,
                    "SELECT count(*) FROM inbox WHERE consumer = ? AND event_id = ?", SubscriptionService.PAYMENTS_CONSUMER, finalFailure) == 1);
            assertTrue(failures.seen() > 12, "the payment was applied only after the injected failures, seen " + failures.seen());
        }
        assertEquals("suspended", status(cus));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/subscription/history").then()
                .body("data.action", contains("created", "suspended"));
        assertEquals(List.of(), DeadLetterTopic.withKey(cus), "a transient failure must not dead-letter the payment");
    }

    @Test
    void aPlanVersionHitByConnectionFailuresIsRetriedAndStored_notDeadLettered() throws Exception {
        String code = "tfcat" + System.nanoTime();
        try (InjectedFailures failures = InjectedFailures.failFirst(db, "catalog_plans", "code", code, 3, "08006")) {
            TestKafka.publishPlan(code, 1, "published", "USD", "9.00", List.of("GET /pets/**"));
            Db.awaitPlan(db, code, 1, "published");
            assertTrue(failures.seen() > 3, "the plan was stored only after the injected failures, seen " + failures.seen());
        }
        assertEquals(1, Db.count(db, "SELECT count(*) FROM catalog_plans WHERE code = ?", code));
        assertEquals(List.of(), DeadLetterTopic.withKey(code + ":1"), "a transient failure must not dead-letter the plan version");
    }
}
