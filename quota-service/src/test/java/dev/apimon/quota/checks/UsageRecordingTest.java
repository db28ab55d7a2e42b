package dev.apimon.quota.checks;

import static dev.apimon.quota.support.Fixtures.check;
import static dev.apimon.quota.support.Fixtures.peek;
import static dev.apimon.quota.support.Fixtures.quota;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.quota.support.Fixtures;
import dev.apimon.quota.support.Fixtures.Customer;
import dev.apimon.quota.support.Topics;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.RedisResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** "record": true emits a binary CloudEvent to usage.events whose id is the request id; a retry counts once. */
@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class UsageRecordingTest {

    @Test
    void recordedCheckEmitsTheUsageEventAndARetryIsNotCountedTwice() throws Exception {
        Customer c = Fixtures.customer(List.of(), List.of(quota("api_calls", 100, "hard")), List.of(), Instant.parse("2026-01-01T00:00:00Z"));
        Map<String, Object> body = Map.of("key", c.key().plaintext(), "operation", "GET /pets/42", "record", true,
                "request_id", "req-" + c.id(), "data", Map.of("status", 200, "bytes", 5120));
        check(body).then().statusCode(200).body("code", equalTo("VALID")).body("limits[0].used", equalTo(1)).body("duplicate", nullValue());
        // the gateway retries the same request: allowed, flagged duplicate, the quota is not consumed again
        check(body).then().statusCode(200).body("code", equalTo("VALID")).body("duplicate", equalTo(true)).body("limits[0].used", equalTo(1));
        peek(c.key().plaintext(), "GET /x").then().body("limits[0].used", equalTo(1));

        List<ConsumerRecord<String, byte[]>> events = Topics.read("usage.events", r -> c.id().equals(r.key()), 2, Duration.ofSeconds(20));
        assertEquals(2, events.size(), "the retry re-sends the same event (the consumer deduplicates on ce_id)");
        for (ConsumerRecord<String, byte[]> e : events) {
            assertEquals("req-" + c.id(), Topics.header(e, "ce_id"));
            assertEquals("quota-service", Topics.header(e, "ce_source"));
            assertEquals("api.request", Topics.header(e, "ce_type"));
            assertEquals(c.id(), Topics.header(e, "ce_subject"));
            assertEquals("1.0", Topics.header(e, "ce_specversion"));
            assertEquals("application/json", Topics.header(e, "content-type"));
            assertEquals("live", Topics.header(e, "apimon_env"));
            Instant.parse(Topics.header(e, "ce_time"));
            JsonNode data = Fixtures.JSON.readTree(e.value());
            assertEquals("GET /pets/42", data.get("endpoint").asText());
            assertEquals(200, data.get("status").asInt());
            assertEquals(5120, data.get("bytes").asInt());
            assertEquals(c.key().id(), data.get("key_id").asText());
        }
    }

    @Test
    void aRequestIdIsADuplicateOnlyInARetryOfTheSameCheck_otherCustomersKeysOperationsMetersAndCostsAreCounted() {
        Instant anchor = Instant.parse("2026-01-01T00:00:00Z");
        List<Map<String, Object>> quotas = List.of(quota("api_calls", 100, "hard"), quota("images", 100, "hard"));
        Customer alice = Fixtures.customer(List.of(), quotas, List.of(), anchor);
        Customer bob = Fixtures.customer(List.of(), quotas, List.of(), anchor);
        Fixtures.Key alice2 = Fixtures.newKey("live");
        Fixtures.keys(alice.id(), "com.apimon.key.created", alice.key(), alice2);
        Fixtures.awaitCode(alice2.plaintext(), "feature:__probe__", null);
        String id = "shared-" + alice.id(); // the same request id in every check below
        java.util.function.Function<Map<String, Object>, Map<String, Object>> recorded = extra -> {
            Map<String, Object> b = new java.util.HashMap<>(Map.of("operation", "GET /pets/1", "record", true, "request_id", id));
            b.putAll(extra);
            return b;
        };

        check(recorded.apply(Map.of("key", alice.key().plaintext()))).then().statusCode(200)
                .body("code", equalTo("VALID")).body("duplicate", nullValue()).body("limits[0].used", equalTo(1));
        // another customer's request that happens to carry the same id is its own request
        check(recorded.apply(Map.of("key", bob.key().plaintext()))).then().statusCode(200)
                .body("code", equalTo("VALID")).body("duplicate", nullValue()).body("limits[0].used", equalTo(1));
        // so is one of the same customer with another key, for another operation, meter or cost
        check(recorded.apply(Map.of("key", alice2.plaintext()))).then()
                .body("duplicate", nullValue()).body("limits[0].used", equalTo(2));
        check(recorded.apply(Map.of("key", alice.key().plaintext(), "operation", "GET /pets/2"))).then()
                .body("duplicate", nullValue()).body("limits[0].used", equalTo(3));
        check(recorded.apply(Map.of("key", alice.key().plaintext(), "cost", 5))).then()
                .body("duplicate", nullValue()).body("limits[0].used", equalTo(8));
        check(recorded.apply(Map.of("key", alice.key().plaintext(), "meter", "images"))).then()
                .body("duplicate", nullValue()).body("limits[0].meter", equalTo("images")).body("limits[0].used", equalTo(1));
        // a retry of any of them is a duplicate and consumes nothing
        check(recorded.apply(Map.of("key", alice.key().plaintext()))).then()
                .body("code", equalTo("VALID")).body("duplicate", equalTo(true)).body("limits[0].used", equalTo(8));
        check(recorded.apply(Map.of("key", bob.key().plaintext()))).then()
                .body("duplicate", equalTo(true)).body("limits[0].used", equalTo(1));
        check(recorded.apply(Map.of("key", alice.key().plaintext(), "cost", 5))).then()
                .body("duplicate", equalTo(true)).body("limits[0].used", equalTo(8));
        peek(alice.key().plaintext(), "GET /x").then().body("limits[0].used", equalTo(8));
        peek(bob.key().plaintext(), "GET /x").then().body("limits[0].used", equalTo(1));
    }

    @Test
    void requestIdFromTheHeaderTypeFromTheBody_andDeniedChecksEmitNothing() throws Exception {
        Customer c = Fixtures.customer(List.of(), List.of(quota("images", 1, "hard")), List.of(), Instant.parse("2026-01-01T00:00:00Z"));
        Map<String, Object> body = Map.of("key", c.key().plaintext(), "operation", "POST /images", "meter", "images",
                "record", true, "type", "image.generated");
        given().contentType(ContentType.JSON).header("X-Request-Id", "hdr-1-" + c.id()).body(body).post("/v1/checks")
                .then().statusCode(200).body("code", equalTo("VALID"));
        given().contentType(ContentType.JSON).header("X-Request-Id", "hdr-2-" + c.id()).body(body).post("/v1/checks")
                .then().statusCode(200).body("code", equalTo("QUOTA_EXCEEDED"));
        List<ConsumerRecord<String, byte[]>> events = Topics.read("usage.events", r -> c.id().equals(r.key()), 1, Duration.ofSeconds(20));
        assertEquals(1, events.size(), "only the allowed check is recorded");
        assertEquals("hdr-1-" + c.id(), Topics.header(events.get(0), "ce_id"));
        assertEquals("image.generated", Topics.header(events.get(0), "ce_type"));
        assertEquals("images", Fixtures.JSON.readTree(events.get(0).value()).get("meter").asText());
    }

    @Test
    void recordedDataTooLargeForAUsageEventIsRefusedNamingDataBeforeAnythingIsCounted() {
        Customer c = Fixtures.customer(List.of(), List.of(quota("api_calls", 100, "hard")), List.of(), Instant.parse("2026-01-01T00:00:00Z"));
        String big = "x".repeat(300 * 1024);
        check(Map.of("key", c.key().plaintext(), "operation", "GET /pets", "record", true, "request_id", "big-" + c.id(),
                "data", Map.of("blob", big)))
                .then().statusCode(400).body("errors[0].field", equalTo("data"));
        peek(c.key().plaintext(), "GET /x").then().body("limits[0].used", equalTo(0));
        // the same data without recording is only the check's business: answered
        check(Map.of("key", c.key().plaintext(), "operation", "GET /pets", "data", Map.of("blob", big)))
                .then().statusCode(200).body("code", equalTo("VALID")).body("limits[0].used", equalTo(1));
    }
}
