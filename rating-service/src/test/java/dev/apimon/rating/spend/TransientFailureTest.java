package dev.apimon.rating.spend;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.rating.KafkaEvents;
import dev.apimon.rating.TestPlans;
import dev.apimon.testinfra.DeadLetterTopic;
import dev.apimon.testinfra.InjectedFailures;
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
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A failure of the database while a consumer applies an event (here a trigger that raises a transient SQLSTATE for
 * one customer's first writes: 40001 serialization failure, 08006 connection failure) is retried until the event is
 * applied — exactly once, and never dead-lettered — while poison (data rating can never read or store) still goes to
 * {@code apimon.dead-letter} and the consumer goes on.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class TransientFailureTest {
    @Inject
    MutableClock clock;
    @Inject
    AgroalDataSource db;

    @AfterEach
    void reset() {
        clock.reset();
    }

    private long count(String sql, String... params) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String plan() {
        Map<String, Object> plan = new HashMap<>(TestPlans.pro("retry-" + System.nanoTime()));
        plan.remove("credit_grant");
        return KafkaEvents.publish(plan);
    }

    private static void awaitSpendOn(String customer, String planCode) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + customer + "/spend").then().statusCode(200)
                        .body("plan.code", equalTo(planCode)));
    }

    @Test
    void aPlanChangeHitBySerializationFailuresIsRetriedAndAppliedOnce_notDeadLettered() throws Exception {
        clock.set(Instant.parse("2026-11-21T10:00:00Z"));
        String pro = plan();
        String upgrade = plan();
        String cus = "cus_retry_" + System.nanoTime();
        KafkaEvents.subscribe(cus, pro, 1, "2026-11-01T00:00:00Z");
        awaitSpendOn(cus, pro);

        String change = UUID.randomUUID().toString();
        Map<String, Object> changed = KafkaEvents.subscription(cus, upgrade, 1, "2026-11-01T00:00:00Z");
        changed.put("changed_at", "2026-11-16T00:00:00Z");
        try (InjectedFailures failures = InjectedFailures.failFirst(db, "rating_subscriptions", "customer_id", cus, 3, "40001")) {
            KafkaEvents.send("subscriptions.events", cus, "com.apimon.subscription.changed", change, changed);
            awaitSpendOn(cus, upgrade);
            assertTrue(failures.seen() > 3, "the change was applied only after the injected failures, seen " + failures.seen());
        }
        // applied exactly once: one history entry for the change, one inbox row, the proration of one plan change
        assertEquals(2, count("SELECT count(*) FROM subscription_history WHERE customer_id = ?", cus));
        assertEquals(1, count("SELECT count(*) FROM subscription_history WHERE customer_id = ? AND event_id = ? "
                + "AND plan_code = ? AND effective_at = '2026-11-16T00:00:00Z'", cus, change, upgrade));
        assertEquals(1, count("SELECT count(*) FROM inbox WHERE consumer = 'rating-subscriptions' AND event_id = ?", change));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/spend").then().statusCode(200)
                .body("lines.findAll { it.type == 'proration' }.size()", equalTo(2));
        assertEquals(List.of(), DeadLetterTopic.withKey(cus), "a transient failure must not dead-letter the event");
    }

    @Test
    void aCustomerUpdateHitByAConnectionFailureIsRetriedAndApplied_notDeadLettered() throws Exception {
        String cus = "cus_retry_" + System.nanoTime();
        KafkaEvents.customer(cus, Map.of("region", "GB"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                count("SELECT count(*) FROM rating_customers WHERE id = ?", cus) == 1);

        try (InjectedFailures failures = InjectedFailures.failFirst(db, "rating_customers", "id", cus, 2, "08006")) {
            KafkaEvents.customer(cus, Map.of("region", "US"));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                    count("SELECT count(*) FROM rating_customers WHERE id = ? AND attributes->>'region' = 'US'", cus) == 1);
            assertTrue(failures.seen() > 2, "the update was applied only after the injected failures, seen " + failures.seen());
        }
        assertEquals(List.of(), DeadLetterTopic.withKey(cus), "a transient failure must not dead-letter the event");
    }

    @Test
    void usageHitBySerializationFailuresIsRetriedAndStored_notDeadLettered() throws Exception {
        clock.set(Instant.parse("2026-11-21T10:00:00Z"));
        String pro = plan();
        String cus = "cus_retry_" + System.nanoTime();
        KafkaEvents.subscribe(cus, pro, 1, "2026-11-01T00:00:00Z");
        awaitSpendOn(cus, pro);

        try (InjectedFailures failures = InjectedFailures.failFirst(db, "usage_hours", "customer_id", cus, 3, "40001")) {
            KafkaEvents.usage(cus, "images", "2026-11-21T09:00:00Z", "12", 1, "live");
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/spend").then().statusCode(200)
                            .body("lines.find { it.meter == 'images' }.quantity", equalTo("12")));
            assertTrue(failures.seen() > 3, "the bucket was stored only after the injected failures, seen " + failures.seen());
        }
        assertEquals(List.of(), DeadLetterTopic.withKey(cus), "a transient failure must not dead-letter the bucket");
    }

    @Test
    void poisonIsStillDeadLettered_andTheConsumersGoOn() throws Exception {
        clock.set(Instant.parse("2026-11-21T10:00:00Z"));
        String pro = plan();
        String unreadable = "cus_poison_" + System.nanoTime();
        String unstorable = "cus_poison_" + System.nanoTime();
        String badCurrency = "cus_poison_" + System.nanoTime();

        // unreadable: a snapshot without a plan
        Map<String, Object> noPlan = KafkaEvents.subscription(unreadable, pro, 1, "2026-11-01T00:00:00Z");
        noPlan.remove("plan");
        KafkaEvents.send("subscriptions.events", unreadable, "com.apimon.subscription.created", noPlan);
        // readable but never storable: PostgreSQL refuses a NUL character in text (SQLSTATE 22021, a data exception)
        KafkaEvents.subscribe(unstorable, pro + "\u0000", 1, "2026-11-01T00:00:00Z");
        // a currency rating_customers' CHAR(3) cannot hold (22001)
        KafkaEvents.send("customers.events", badCurrency, "com.apimon.customer.created",
                Map.of("id", badCurrency, "currency", "USDX", "status", "active", "attributes", Map.of()));

        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                DeadLetterTopic.withKey(unreadable).size() == 1 && DeadLetterTopic.withKey(unstorable).size() == 1 && DeadLetterTopic.withKey(badCurrency).size() == 1);
        for (String cus : List.of(unreadable, unstorable, badCurrency)) {
            ConsumerRecord<String, String> letter = DeadLetterTopic.withKey(cus).get(0);
            assertTrue(KafkaEvents.header(letter, "dead-letter-reason") != null, "the dead letter names its reason");
        }
        assertEquals("customers.events", KafkaEvents.header(DeadLetterTopic.withKey(badCurrency).get(0), "dead-letter-topic"));
        assertEquals(0, count("SELECT count(*) FROM rating_subscriptions WHERE customer_id IN (?, ?)", unreadable, unstorable));

        // and the consumers go on with the next records
        String after = "cus_after_poison_" + System.nanoTime();
        KafkaEvents.subscribe(after, pro, 1, "2026-11-01T00:00:00Z");
        KafkaEvents.customer(after, Map.of("region", "GB"));
        awaitSpendOn(after, pro);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                count("SELECT count(*) FROM rating_customers WHERE id = ?", after) == 1);
    }

    @Test
    void anOlderCustomerSnapshotAppliedLateDoesNotOverwriteANewerOne() throws Exception {
        // what a consumer that lost its partition while retrying does: it applies an old snapshot after the new owner
        // applied a newer one
        String cus = "cus_late_" + System.nanoTime();
        Instant newer = Instant.parse("2026-11-20T10:00:00Z");
        KafkaEvents.customerAt(cus, "EUR", newer);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                count("SELECT count(*) FROM rating_customers WHERE id = ? AND currency = 'EUR'", cus) == 1);
        var older = KafkaEvents.customerAt(cus, "USD", newer.minusSeconds(60));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> KafkaEvents.committedPast("rating-service-customers", older));
        assertEquals(1, count("SELECT count(*) FROM rating_customers WHERE id = ? AND currency = 'EUR'", cus), "the newer snapshot stays");
        assertEquals(List.of(), DeadLetterTopic.withKey(cus), "an older snapshot is not poison: it is skipped");
    }
}
