package dev.apimon.invoice.subscriptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.invoice.support.Fixtures;
import dev.apimon.invoice.support.Kafka;
import dev.apimon.invoice.support.StandIns;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** subscriptions.events / customers.events: each CloudEvent id applied once; poison records dead-lettered, the consumer goes on. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(StandIns.class)
class ViewConsumersTest {
    @Inject
    AgroalDataSource db;

    private String plan(String customer) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT plan_code FROM subscriptions WHERE customer_id = ?")) {
            ps.setString(1, customer);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    @Test
    void aRedeliveredEventIsAppliedOnce() throws Exception {
        String cus = "cus_dedup_" + System.nanoTime();
        String id = UUID.randomUUID().toString();
        Kafka.send("subscriptions.events", cus, "com.apimon.subscription.created", id, Kafka.write(
                Kafka.subscription(cus, "pro", 1, "2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", null)));
        Fixtures.awaitSubscription(db, cus, "pro", false);
        // the same CloudEvent id again, whatever it carries, is not applied twice
        Kafka.send("subscriptions.events", cus, "com.apimon.subscription.created", id, Kafka.write(
                Kafka.subscription(cus, "scale", 1, "2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", null)));
        // a later, new event is applied (and proves the duplicate was consumed before it)
        Kafka.customer(cus, "Dedup Ltd", "gb");
        Fixtures.awaitCustomer(db, cus);
        Thread.sleep(300);
        assertEquals("pro", plan(cus));
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM subscription_plan_history WHERE subscription_id = ?")) {
            ps.setString(1, "sub_" + cus);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(1, rs.getInt(1));
            }
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT region FROM customers WHERE id = ?")) {
            ps.setString(1, cus);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals("GB", rs.getString(1), "regions are normalized for the tax table");
            }
        }
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopic_andConsumptionContinues() throws Exception {
        String bad = "cus_poison_" + System.nanoTime();
        String incomplete = "cus_incomplete_" + System.nanoTime();
        String good = "cus_after_" + System.nanoTime();
        Kafka.send("subscriptions.events", bad, "com.apimon.subscription.created", UUID.randomUUID().toString(), "{not json");
        Map<String, Object> noAnchor = Kafka.subscription(incomplete, "pro", 1, null, null, null, null);
        noAnchor.remove("period_anchor");
        Kafka.send("subscriptions.events", incomplete, "com.apimon.subscription.created", noAnchor);
        Kafka.send("customers.events", bad, "com.apimon.customer.created", UUID.randomUUID().toString(), "[]");
        Kafka.send("subscriptions.events", good, "com.apimon.subscription.created",
                Kafka.subscription(good, "pro", 1, "2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", null));
        Fixtures.awaitSubscription(db, good, "pro", false);

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<Kafka.Event> dead = Kafka.read("apimon.dead-letter", bad);
            assertEquals(2, dead.size(), "one from each topic");
            assertTrue(dead.stream().allMatch(e -> e.headers().containsKey("dead-letter-reason")));
            assertEquals(1, Kafka.read("apimon.dead-letter", incomplete).size());
        });
        assertTrue(Kafka.read("apimon.dead-letter", incomplete).get(0).headers().get("dead-letter-reason").contains("period_anchor"));
        assertEquals(null, plan(incomplete));
    }
}
