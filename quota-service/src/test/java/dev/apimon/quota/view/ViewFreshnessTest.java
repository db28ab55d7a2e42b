package dev.apimon.quota.view;

import static dev.apimon.quota.support.Fixtures.check;
import static dev.apimon.quota.support.Fixtures.rate;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.quota.QuotaConfig;
import dev.apimon.quota.shared.messaging.EventProducer;
import dev.apimon.quota.support.Fixtures;
import dev.apimon.quota.support.Fixtures.Customer;
import dev.apimon.quota.support.Fixtures.Key;
import dev.apimon.quota.support.Topics;
import dev.apimon.quota.view.api.ViewHealth;
import dev.apimon.quota.view.domain.QuotaView;
import dev.apimon.quota.view.messaging.ViewConsumer;
import dev.apimon.platform.keys.ApiKeys;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.RedisResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** The view over real Kafka: changes visible within a second, poison to the dead-letter topic, full rebuild at start. */
@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class ViewFreshnessTest {
    static final Instant ANCHOR = Instant.parse("2026-01-01T00:00:00Z");

    @Inject
    ObjectMapper json;
    @Inject
    EventProducer producer;
    @Inject
    QuotaConfig config;

    /** Publishes, then polls checks until the expected code; answers how long that took from before the publish. */
    static long millisUntil(Runnable publish, String key, String operation, String expected) {
        long t0 = System.nanoTime();
        publish.run();
        while (true) {
            String code = check(key, operation).then().extract().path("code");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (expected.equals(code)) {
                return ms;
            }
            if (ms > 5000) {
                throw new AssertionError(expected + " not seen after 5 s (last: " + code + ")");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void revocationSuspensionAndPlanChangeTakeEffectWithinOneSecond() {
        Customer c = Fixtures.customer(List.of(rate("default", 1000, "PT1M")), List.of(), List.of("GET /pets/**"), ANCHOR);
        Key other = Fixtures.newKey("live");
        Fixtures.keys(c.id(), "com.apimon.key.created", c.key(), other);
        Fixtures.awaitCode(other.plaintext(), "GET /pets/1", "VALID");

        long revoked = millisUntil(() -> Fixtures.keys(c.id(), "com.apimon.key.revoked", c.key(), other.revoked(Instant.now())),
                other.plaintext(), "GET /pets/1", "REVOKED");
        assertTrue(revoked < 1000, "revocation visible after " + revoked + " ms");
        check(c.key().plaintext(), "GET /pets/1").then().body("code", equalTo("VALID"));

        long suspended = millisUntil(() -> Fixtures.subscription(c.id(), c.planCode(), 1, "suspended", ANCHOR),
                c.key().plaintext(), "GET /pets/1", "SUSPENDED");
        assertTrue(suspended < 1000, "suspension visible after " + suspended + " ms");
        long resumed = millisUntil(() -> Fixtures.subscription(c.id(), c.planCode(), 1, "active", ANCHOR),
                c.key().plaintext(), "GET /pets/1", "VALID");
        assertTrue(resumed < 1000, "resumption visible after " + resumed + " ms");

        // plan change: a new published version that no longer entitles GET /pets/**
        Fixtures.plan(c.planCode(), 2, List.of(rate("default", 1000, "PT1M")), List.of(), List.of("GET /owners/**"));
        long changed = millisUntil(() -> Fixtures.subscription(c.id(), c.planCode(), 2, "active", ANCHOR),
                c.key().plaintext(), "GET /pets/1", "FORBIDDEN");
        assertTrue(changed < 1000, "plan change visible after " + changed + " ms");
        check(c.key().plaintext(), "GET /owners/1").then().body("code", equalTo("VALID")).body("plan.version", equalTo(2));

        // a key removed from the snapshot (or a tombstone) is unknown afterwards
        long removed = millisUntil(() -> Fixtures.send("keys.events", c.id(), "com.apimon.key.revoked", c.id(), null),
                c.key().plaintext(), "GET /owners/1", "INVALID_KEY");
        assertTrue(removed < 1000, "tombstone visible after " + removed + " ms");
    }

    @Test
    void anUpgradeToAShorterWindowIsNotHeldBackByTheOldWindowsState() {
        Customer c = Fixtures.customer(List.of(rate("default", 5, "PT1H")), List.of(), List.of("GET /pets/**"), ANCHOR);
        for (int i = 0; i < 5; i++) {
            check(c.key().plaintext(), "GET /pets/1").then().body("code", equalTo("VALID"));
        }
        // 5 per hour used up: the limit's state now lies an hour ahead
        check(c.key().plaintext(), "GET /pets/1").then().body("code", equalTo("RATE_LIMITED"));

        // the new version allows 5 per minute under the same name: the hour-long state must not carry over
        Fixtures.plan(c.planCode(), 2, List.of(rate("default", 5, "PT1M")), List.of(), List.of("GET /pets/**"));
        long upgraded = millisUntil(() -> Fixtures.subscription(c.id(), c.planCode(), 2, "active", ANCHOR),
                c.key().plaintext(), "GET /pets/1", "VALID");
        assertTrue(upgraded < 1000, "the upgrade took effect after " + upgraded + " ms");
        check(c.key().plaintext(), "GET /pets/1").then().body("code", equalTo("VALID")).body("plan.version", equalTo(2));
    }

    @Test
    void poisonMessagesGoToTheDeadLetterTopicAndConsumptionGoesOn() {
        String bad = Fixtures.customerId();
        Fixtures.send("keys.events", bad, "com.apimon.key.created", bad, "not json".getBytes(StandardCharsets.UTF_8));
        Map<String, Object> mismatched = Map.of("customer_id", Fixtures.customerId(), "keys", List.of());
        Fixtures.send("keys.events", bad, "com.apimon.key.created", bad, Fixtures.json(mismatched));
        Map<String, Object> badPlan = new LinkedHashMap<>(Map.of("code", "broken", "version", 1,
                "rate_limits", List.of(Map.of("name", "default", "limit", 10, "window", "one minute"))));
        Fixtures.send("billing.catalog", "broken:1", "com.apimon.plan.published", "broken:1", Fixtures.json(badPlan));
        // records after the poison ones are applied
        Customer c = Fixtures.customer(List.of(), List.of(), List.of(), ANCHOR);
        check(c.key().plaintext(), "GET /x").then().body("code", equalTo("VALID"));

        List<ConsumerRecord<String, byte[]>> dead = Topics.read("apimon.dead-letter",
                r -> bad.equals(r.key()) || "broken:1".equals(r.key()), 3, Duration.ofSeconds(20));
        // every replica that rebuilds its view dead-letters them again: identity is the source topic and offset
        assertEquals(3, dead.stream().map(r -> Topics.header(r, "dead-letter-topic") + "@" + Topics.header(r, "dead-letter-partition")
                + ":" + Topics.header(r, "dead-letter-offset")).distinct().count(), "three poison records dead-lettered");
        for (ConsumerRecord<String, byte[]> r : dead) {
            assertEquals("quota-service", Topics.header(r, "dead-letter-consumer"));
            assertTrue(Topics.header(r, "dead-letter-reason") != null && !Topics.header(r, "dead-letter-reason").isBlank());
            assertTrue(List.of("keys.events", "billing.catalog").contains(Topics.header(r, "dead-letter-topic")));
            assertTrue(Topics.header(r, "ce_type") != null, "original headers are kept");
        }
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void aFreshReplicaIsNotReadyUntilItReadAllTopicsFromTheBeginning() throws Exception {
        // a backlog of 3000 customers' key snapshots that a new replica must load before it may answer
        List<String> hashes = new ArrayList<>();
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String customer = Fixtures.customerId();
            String hash = ApiKeys.hash(ApiKeys.generate("live"), Fixtures.PEPPER);
            hashes.add(hash);
            Map<String, Object> snap = Map.of("customer_id", customer, "keys", List.of(
                    Map.of("id", "key_" + i, "key_hash", hash, "start", "sk_live_x", "env", "live", "scopes", List.of())));
            acks.add(Fixtures.producer().send(new ProducerRecord<>("keys.events", customer, Fixtures.json(snap))));
        }
        for (Future<RecordMetadata> a : acks) {
            a.get();
        }
        QuotaView view = new QuotaView();
        ViewConsumer replica = new ViewConsumer(view, json, producer, new SimpleMeterRegistry(), config, Fixtures.bootstrap());
        ViewHealth.Loaded readiness = new ViewHealth.Loaded(replica, view);
        assertEquals(HealthCheckResponse.Status.DOWN, readiness.call().getStatus());
        replica.start();
        try {
            assertFalse(replica.loaded() && view.stats().keys() < hashes.size());
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1)).until(replica::loaded);
            // the moment it is loaded, everything published before its start is in the view
            for (String h : hashes) {
                assertTrue(view.keyByHash(h) != null, "key " + h + " loaded");
            }
            assertEquals(HealthCheckResponse.Status.UP, readiness.call().getStatus());
        } finally {
            replica.stop();
        }
    }
    @Test
    void aReconnectContinuesWhereTheViewWasInsteadOfReplayingOlderSnapshots() throws Exception {
        // a compacted topic still holds older snapshots of a key until compaction: re-reading them after a Kafka
        // error would make a revoked key valid again for a moment
        int backlog = 500; // on the topics before the replica starts: re-read in full by a reconnect that starts over
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (int i = 0; i < backlog; i++) {
            String customer = Fixtures.customerId();
            Map<String, Object> snap = Map.of("customer_id", customer, "keys", List.of(Map.of("id", "key_r" + i,
                    "key_hash", ApiKeys.hash(ApiKeys.generate("live"), Fixtures.PEPPER), "start", "sk_live_x", "env", "live", "scopes", List.of())));
            acks.add(Fixtures.producer().send(new ProducerRecord<>("keys.events", customer, Fixtures.json(snap))));
        }
        for (Future<RecordMetadata> a : acks) {
            a.get();
        }
        QuotaView view = new QuotaView();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        ViewConsumer replica = new ViewConsumer(view, json, producer, metrics, config, Fixtures.bootstrap());
        replica.start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(replica::loaded);
            double before = applied(metrics);
            assertTrue(before >= backlog, "the replica read the topics: " + before);
            replica.reconnect();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> replica.connections() == 2);
            // something new after the reconnect arrives, and it is the only record read again
            Customer c = Fixtures.customer(List.of(), List.of(), List.of(), ANCHOR);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> view.subscription(c.id()) != null);
            Thread.sleep(500);
            assertEquals("loaded", replica.status());
            double reread = applied(metrics) - before;
            // the new customer's records and whatever else arrived meanwhile, not the topics again (>= the backlog)
            assertTrue(reread < backlog, reread + " records applied after the reconnect (" + before + " before it)");
        } finally {
            replica.stop();
        }
    }

    private static double applied(SimpleMeterRegistry metrics) {
        return metrics.find("apimon.quota.view.records").counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }
}
