package dev.apimon.invoice.subscriptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.invoice.support.Fixtures;
import dev.apimon.invoice.support.Kafka;
import dev.apimon.invoice.support.StandIns;
import dev.apimon.testinfra.DeadLetterTopic;
import dev.apimon.testinfra.InjectedFailures;
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
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A failure of the database while a consumer applies an event (here a trigger that raises a transient SQLSTATE for
 * one event's first writes: 40001 serialization failure, 08006 connection failure) is retried in place until the
 * event is applied — exactly once, and never dead-lettered. The subscription case fails more often (8 times) than
 * invoice-service used to retry before dead-lettering the event.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(StandIns.class)
class TransientFailureTest {
    @Inject
    AgroalDataSource db;

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

    @Test
    void aPlanChangeHitBySerializationFailuresIsRetriedAndAppliedOnce_notDeadLettered() throws Exception {
        String cus = "cus_retry_" + System.nanoTime();
        Kafka.send("subscriptions.events", cus, "com.apimon.subscription.created",
                Kafka.subscription(cus, "pro", 1, "2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", null));
        Fixtures.awaitSubscription(db, cus, "pro", false);

        String change = UUID.randomUUID().toString();
        try (InjectedFailures failures = InjectedFailures.failFirst(db, "inbox", "event_id", change, 8, "40001")) {
            Kafka.send("subscriptions.events", cus, "com.apimon.subscription.changed", change, Kafka.write(
                    Kafka.subscription(cus, "scale", 1, "2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z",
                            "2026-10-16T00:00:00Z")));
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                    count("SELECT count(*) FROM subscriptions WHERE customer_id = ? AND plan_code = 'scale'", cus) == 1);
            assertTrue(failures.seen() > 8, "the change was applied only after the injected failures, seen " + failures.seen());
        }
        // applied exactly once: one inbox row, one history entry for the change
        assertEquals(1, count("SELECT count(*) FROM inbox WHERE consumer = 'invoice-subscriptions' AND event_id = ?", change));
        assertEquals(2, count("SELECT count(*) FROM subscription_plan_history WHERE subscription_id = ?", "sub_" + cus));
        assertEquals(List.of(), DeadLetterTopic.withKey(cus), "a transient failure must not dead-letter the event");
    }

    @Test
    void aCustomerHitByConnectionFailuresIsRetriedAndStored_notDeadLettered() throws Exception {
        String cus = "cus_retry_" + System.nanoTime();
        try (InjectedFailures failures = InjectedFailures.failFirst(db, "customers", "id", cus, 2, "08006")) {
            Kafka.customer(cus, "Retry Ltd", "gb");
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                    count("SELECT count(*) FROM customers WHERE id = ? AND region = 'GB'", cus) == 1);
            assertTrue(failures.seen() > 2, "the customer was stored only after the injected failures, seen " + failures.seen());
        }
        assertEquals(List.of(), DeadLetterTopic.withKey(cus), "a transient failure must not dead-letter the event");
    }
}
