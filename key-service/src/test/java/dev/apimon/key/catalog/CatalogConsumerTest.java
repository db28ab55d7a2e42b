package dev.apimon.key.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.apimon.key.support.Db;
import dev.apimon.key.support.TestKafka;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** key-service learns plan versions from the real billing.catalog topic; replays change nothing, poison is dead-lettered. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class CatalogConsumerTest {
    @Inject
    AgroalDataSource db;

    @Test
    void publishedVersionsAreStored_replaysAreIdempotent_archivedIsTerminal() {
        String code = "cat" + System.nanoTime();
        TestKafka.publishPlan(code, 1, "published", "USD", "49.00", List.of("GET /pets/**", "feature:webhooks"));
        Db.awaitPlan(db, code, 1, "published");
        assertEquals("[\"GET /pets/**\", \"feature:webhooks\"]",
                Db.string(db, "SELECT entitlements::text FROM catalog_plans WHERE code = ? AND version = 1", code));
        assertEquals("49.00", Db.string(db, "SELECT fee::text FROM catalog_plans WHERE code = ?", code));

        // the same snapshot again (a replay / redelivery), then the archive, then a stale "published" copy
        TestKafka.publishPlan(code, 1, "published", "USD", "49.00", List.of("GET /pets/**", "feature:webhooks"));
        TestKafka.publishPlan(code, 1, "archived", "USD", "49.00", List.of("GET /pets/**", "feature:webhooks"));
        Db.awaitPlan(db, code, 1, "archived");
        TestKafka.publishPlan(code, 1, "published", "USD", "49.00", List.of("GET /pets/**"));
        TestKafka.publishPlan(code, 2, "published", "USD", "59.00", List.of("GET /pets/**"));
        Db.awaitPlan(db, code, 2, "published");
        assertEquals(2, Db.count(db, "SELECT count(*) FROM catalog_plans WHERE code = ?", code), "one row per code:version");
        assertEquals("archived", Db.string(db, "SELECT status FROM catalog_plans WHERE code = ? AND version = 1", code),
                "an archived version never comes back");
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopic_andTheConsumerCarriesOn() {
        String marker = "poison-" + System.nanoTime();
        TestKafka.publish("billing.catalog", "bad:1", "com.apimon.plan.published", marker, "{not json " + marker);
        TestKafka.publish("billing.catalog", "wrongkey:1", "com.apimon.plan.published", marker + "-b",
                "{\"code\": \"other\", \"version\": 1, \"status\": \"published\", \"marker\": \"" + marker + "\"}");
        String code = "after" + System.nanoTime();
        TestKafka.publishPlan(code, 1, "published", "USD", "0", List.of());
        Db.awaitPlan(db, code, 1, "published");

        List<ConsumerRecord<String, String>> dead = TestKafka.records("apimon.dead-letter",
                r -> r.value() != null && r.value().contains(marker), 2, Duration.ofSeconds(20));
        assertEquals(2, dead.size(), "both poison records are dead-lettered");
        for (ConsumerRecord<String, String> r : dead) {
            assertNotNull(TestKafka.header(r, "dead-letter-reason"), "the reason travels with the record");
            assertEquals("billing.catalog", TestKafka.header(r, "dead-letter-topic"));
        }
        assertFalse(Db.count(db, "SELECT count(*) FROM catalog_plans WHERE code IN ('bad', 'other')") > 0, "nothing of the poison is stored");
    }
}
