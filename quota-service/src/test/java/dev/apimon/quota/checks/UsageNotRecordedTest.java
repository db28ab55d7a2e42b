package dev.apimon.quota.checks;

import static dev.apimon.quota.support.Fixtures.check;
import static dev.apimon.quota.support.Fixtures.peek;
import static dev.apimon.quota.support.Fixtures.quota;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.quota.support.Fixtures;
import dev.apimon.quota.support.Fixtures.Customer;
import dev.apimon.quota.support.Topics;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.RedisResource;
import dev.apimon.testinfra.RestartableKafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A recorded check while Kafka is down: allowed and counted, but its usage event is not durable, so the answer is
 * 503 USAGE_NOT_RECORDED with Retry-After — on /v1/checks and on /v1/authorize (request id from X-Request-Id). The
 * gateway's retry with the same request id once Kafka is back is answered 200, recorded, and not counted again.
 */
@QuarkusTest
@TestProfile(UsageNotRecordedTest.ShortAck.class)
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(RestartableKafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class UsageNotRecordedTest {

    public static class ShortAck implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("apimon.quota.usage.ack-timeout", "1s");
        }
    }

    @Test
    void kafkaDownMeans503ForRecordedChecks_theRetryWithTheSameIdIsRecordedOnceCountedOnce() throws Exception {
        Customer c = Fixtures.customer(List.of(), List.of(quota("api_calls", 100, "hard")), List.of(), Instant.parse("2026-01-01T00:00:00Z"));
        String key = c.key().plaintext();
        Map<String, Object> body = Map.of("key", key, "operation", "GET /pets/1", "record", true, "request_id", "down-1-" + c.id());
        // Kafka up: the gateway's request id (X-Request-Id) is the event id
        given().header("Authorization", "Bearer " + key).header("X-Original-Method", "GET").header("X-Original-URI", "/pets/0")
                .header("X-Request-Id", "up-0-" + c.id()).queryParam("record", "true").get("/v1/authorize").then().statusCode(200);

        RestartableKafkaResource.stopBroker();
        try {
            check(body).then().statusCode(503).contentType("application/problem+json").header("Retry-After", "1")
                    .body("code", equalTo("USAGE_NOT_RECORDED"));
            given().header("Authorization", "Bearer " + key).header("X-Original-Method", "GET").header("X-Original-URI", "/pets/2")
                    .header("X-Request-Id", "down-2-" + c.id()).queryParam("record", "true").get("/v1/authorize").then()
                    .statusCode(503).header("Retry-After", "1").body("code", equalTo("USAGE_NOT_RECORDED"));
            // a check that records nothing does not need Kafka
            check(key, "GET /pets/3").then().statusCode(200).body("code", equalTo("VALID"));
        } finally {
            RestartableKafkaResource.startBroker();
        }
        // both unrecorded checks were allowed and counted once: 1 + 2 + 1 (the plain check)
        peek(key, "GET /x").then().body("limits[0].used", equalTo(4));
        // the retries with the same ids: recorded now, flagged duplicate, not counted again
        check(body).then().statusCode(200).body("code", equalTo("VALID")).body("duplicate", equalTo(true))
                .body("limits[0].used", equalTo(4));
        given().header("Authorization", "Bearer " + key).header("X-Original-Method", "GET").header("X-Original-URI", "/pets/2")
                .header("X-Request-Id", "down-2-" + c.id()).queryParam("record", "true").get("/v1/authorize").then().statusCode(200);
        peek(key, "GET /x").then().body("limits[0].used", equalTo(4));

        List<ConsumerRecord<String, byte[]>> events = Topics.read("usage.events", r -> c.id().equals(r.key()), 3, Duration.ofSeconds(30));
        List<String> ids = events.stream().map(e -> Topics.header(e, "ce_id")).distinct().sorted().toList();
        // the producer may also have delivered the timed-out copy once the broker was back: same id, usage-service dedups
        assertEquals(List.of("down-1-" + c.id(), "down-2-" + c.id(), "up-0-" + c.id()), ids);
        assertTrue(events.size() <= 5, "no more copies than sends: " + events.size());
    }
}
