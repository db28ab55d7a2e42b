package dev.apimon.key;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.key.keys.domain.KeyService;
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
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The state change and its event commit together (outbox); a crash before the commit leaves neither, a crash after it
 * (before the publish, or between the broker's ack and marking the row) leaves a committed unpublished row that the
 * relay publishes — again, with the same CloudEvent id, which consumers deduplicate on.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class DeliveryGuaranteesTest {
    @Inject
    AgroalDataSource db;
    @Inject
    SubscriptionService subscriptions;
    @Inject
    KeyService keys;

    private String subscribedCustomerWithKey() {
        String plan = "dg" + System.nanoTime();
        TestKafka.publishPlan(plan, 1, "published", "USD", "1.00", List.of());
        Db.awaitPlan(db, plan, 1, "published");
        String cus = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("name", "DG", "currency", "USD"))
                .post("/v1/customers").then().statusCode(201).extract().path("id");
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("plan_code", plan))
                .post("/v1/customers/" + cus + "/subscription").then().statusCode(201);
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("name", "k"))
                .post("/v1/customers/" + cus + "/keys").then().statusCode(201);
        return cus;
    }

    private void awaitPublished(String key) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
                Db.count(db, "SELECT count(*) FROM outbox WHERE record_key = ? AND published_at IS NULL", key) == 0);
    }

    @Test
    void aCrashBeforeTheCommitLeavesNeitherStateNorEvent_theCommitLeavesBoth() throws Exception {
        String cus = subscribedCustomerWithKey();
        awaitPublished(cus);
        long outboxBefore = Db.count(db, "SELECT count(*) FROM outbox WHERE record_key = ?", cus);
        KeyService.Actor actor = new KeyService.Actor("test", null);

        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            keys.revokeAll(c, cus, actor, Instant.now(), "test");
            subscriptions.cancelForArchive(c, cus, actor, Instant.now());
            assertEquals(outboxBefore + 2, countInTx(c, cus), "state and events are written in the same transaction");
            c.rollback(); // the process dies before COMMIT
        }
        assertEquals(outboxBefore, Db.count(db, "SELECT count(*) FROM outbox WHERE record_key = ?", cus), "no event without its state");
        assertEquals("active", Db.string(db, "SELECT status FROM subscriptions WHERE customer_id = ?", cus), "no state without its event");
        assertEquals(0, Db.count(db, "SELECT count(*) FROM api_keys WHERE customer_id = ? AND revoked_at IS NOT NULL", cus));

        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            keys.revokeAll(c, cus, actor, Instant.now(), "test");
            subscriptions.cancelForArchive(c, cus, actor, Instant.now());
            c.commit(); // nobody calls flushSoon: the relay finds the committed rows on its own
        }
        List<ConsumerRecord<String, String>> subs = TestKafka.byKey("subscriptions.events", cus, 2);
        assertEquals("com.apimon.subscription.canceled", TestKafka.header(subs.get(subs.size() - 1), "ce_type"));
        List<ConsumerRecord<String, String>> keyEvents = TestKafka.byKey("keys.events", cus, 2);
        assertEquals("com.apimon.key.revoked", TestKafka.header(keyEvents.get(keyEvents.size() - 1), "ce_type"));
    }

    @Test
    void aCrashAfterTheSendRepublishesTheSameCloudEvent_notADifferentOne() {
        String cus = subscribedCustomerWithKey();
        awaitPublished(cus);
        List<ConsumerRecord<String, String>> first = TestKafka.byKey("subscriptions.events", cus, 1);
        assertEquals(1, first.size());

        // the relay sent the event but died before marking the row published: on restart the row is still pending
        Db.exec(db, "UPDATE outbox SET published_at = NULL WHERE record_key = ? AND topic = 'subscriptions.events'", cus);
        List<ConsumerRecord<String, String>> both = TestKafka.byKey("subscriptions.events", cus, 2);
        assertEquals(2, both.size(), "published again: at least once, never lost");
        assertEquals(TestKafka.header(both.get(0), "ce_id"), TestKafka.header(both.get(1), "ce_id"), "same CloudEvent id");
        assertEquals(both.get(0).value(), both.get(1).value(), "same snapshot: applying it twice changes nothing downstream");
        awaitPublished(cus);
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/subscription").then().statusCode(200);
        assertEquals(1, Db.count(db, "SELECT count(*) FROM subscription_history WHERE customer_id = ?", cus));
    }

    @Test
    void oneReplicaRelaysAtATime_soAKeysSnapshotsAreNeverPublishedOutOfOrder() throws Exception {
        // another replica mid-batch holds the relay lock: this one publishes nothing until it lets go
        try (Connection other = db.getConnection()) {
            other.setAutoCommit(false);
            try (var ps = other.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                ps.setString(1, dev.apimon.platform.outbox.OutboxRelay.lockName("key-service"));
                ps.execute();
            }
            String cus = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("name", "R", "currency", "USD"))
                    .post("/v1/customers").then().statusCode(201).extract().path("id");
            Thread.sleep(1500); // the relay polls every 200 ms
            assertEquals(1, Db.count(db, "SELECT count(*) FROM outbox WHERE record_key = ? AND published_at IS NULL", cus),
                    "not relayed while another replica holds the lock");
            other.rollback();
            awaitPublished(cus);
        }
    }

    private static long countInTx(Connection c, String key) throws Exception {
        try (var ps = c.prepareStatement("SELECT count(*) FROM outbox WHERE record_key = ?")) {
            ps.setString(1, key);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
