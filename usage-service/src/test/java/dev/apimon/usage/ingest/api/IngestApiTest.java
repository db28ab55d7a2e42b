package dev.apimon.usage.ingest.api;

import static dev.apimon.usage.support.Fixtures.batch;
import static dev.apimon.usage.support.Fixtures.event;
import static dev.apimon.usage.support.Fixtures.hoursAgo;
import static dev.apimon.usage.support.Fixtures.ingest;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import dev.apimon.usage.ingest.domain.JsonbNumbers;
import dev.apimon.usage.ingest.domain.JsonbNumbersTest;
import dev.apimon.usage.support.Fixtures;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class IngestApiTest {
    @Inject
    AgroalDataSource db;

    /** A fresh event type with a sum meter (bytes) and a count meter on it, and a fresh customer. */
    record Setup(String type, String bytes, String calls, String customer) {
    }

    Setup setup() {
        String type = Fixtures.unique("ingest") + ".request";
        String bytes = Fixtures.unique("bytes");
        String calls = Fixtures.unique("calls");
        Fixtures.createMeter("{\"slug\": \"" + bytes + "\", \"event_type\": \"" + type + "\", \"aggregation\": \"sum\", \"value_property\": \"$.bytes\"}");
        Fixtures.createMeter("{\"slug\": \"" + calls + "\", \"event_type\": \"" + type + "\", \"aggregation\": \"count\"}");
        return new Setup(type, bytes, calls, Fixtures.insertCustomer(db, Fixtures.customerId(), null));
    }

    JsonNode awaitUsage(String meter, String customer, Instant hour, String expected) {
        return Fixtures.await(meter + " = " + expected, Duration.ofSeconds(20),
                () -> Fixtures.usage(meter, customer, hour, hour.plus(1, ChronoUnit.HOURS), "hour", null),
                d -> d.size() == 1 && d.get(0).get("value").asText().equals(expected));
    }

    @Test
    void aBatchIsAnsweredWithAcceptedDuplicatesAndRejectedPerIndex() {
        Setup s = setup();
        Instant t = hoursAgo(3).plusSeconds(600);
        ObjectNode noId = event("x", s.customer(), t, s.type(), "{\"bytes\": 1}");
        noId.remove("id");
        ObjectNode noTime = event("b", s.customer(), t, s.type(), "{\"bytes\": 1}");
        noTime.remove("time");
        ObjectNode noType = event("c", s.customer(), t, s.type(), "{\"bytes\": 1}");
        noType.remove("type");
        ingest(batch(event("a", s.customer(), t, s.type(), "{\"bytes\": 5120}"), noId, noTime, noType,
                event("d", "cus_doesnotexist00000000", t, s.type(), "{\"bytes\": 1}"),
                event("e", s.customer(), t, s.type(), "{\"bytes\": \"a lot\"}"),
                event("a", s.customer(), t.plusSeconds(60), s.type(), "{\"bytes\": 5120}")))
                .then().statusCode(202).contentType("application/json")
                .body("accepted", equalTo(1)).body("duplicates", equalTo(1))
                .body("rejected.index", contains(1, 2, 3, 4, 5))
                .body("rejected.id", contains(null, "b", "c", "d", "e"))
                .body("rejected.error", contains("id is missing", "time is missing", "type is missing",
                        "unknown customer 'cus_doesnotexist00000000'", "meter '" + s.bytes() + "' needs a numeric value at $.bytes (at most 30 digits before the point and 18 after it)"));
        Instant hour = t.truncatedTo(ChronoUnit.HOURS);
        awaitUsage(s.bytes(), s.customer(), hour, "5120");
        awaitUsage(s.calls(), s.customer(), hour, "1");
    }

    @Test
    void valuesPostgresqlOrTheAggregatorCannotHoldAreRejectedPerItemNeverA500() {
        Setup s = setup();
        Instant t = hoursAgo(2);
        ObjectNode nulSubject = event("n1", s.customer(), t, s.type(), "{\"bytes\": 1}");
        nulSubject.put("subject", s.customer() + "\u0000");
        ObjectNode nulData = event("n2", s.customer(), t, s.type(), "{\"bytes\": 1, \"note\": \"a\\u0000b\"}");
        // one short token that is a billion digits once expanded: built as text, no JSON library would write it
        String huge = event("n3", s.customer(), t, s.type(), "{\"bytes\": 7}").toString().replace("\"bytes\":7", "\"bytes\":1e1000000000");
        String body = "[" + event("ok", s.customer(), t, s.type(), "{\"bytes\": 3}") + "," + nulSubject + "," + nulData + "," + huge + "]";
        ingest(body).then().statusCode(202).body("accepted", equalTo(1)).body("rejected.index", contains(1, 2, 3))
                .body("rejected.error", contains("subject must not contain the character U+0000",
                        "data must not contain the character U+0000 (\\u0000)",
                        "data has a number at $.bytes that PostgreSQL cannot store (at most 131072 digits before the point and "
                                + "16383 after it, the exponent applied)"));
        awaitUsage(s.bytes(), s.customer(), t.truncatedTo(ChronoUnit.HOURS), "3");
    }

    @Test
    void aGroupOrDistinctValueTooLongForAnIndexKeyIsRejectedPerItemAndTheRestAggregated() {
        String type = Fixtures.unique("keys") + ".request";
        String calls = Fixtures.unique("calls");
        String users = Fixtures.unique("users");
        // a count meter with groups and no filter: ingest did not even read data for it
        Fixtures.createMeter("{\"slug\": \"" + calls + "\", \"event_type\": \"" + type + "\", \"aggregation\": \"count\", "
                + "\"group_by\": {\"endpoint\": \"$.endpoint\"}}");
        Fixtures.createMeter("{\"slug\": \"" + users + "\", \"event_type\": \"" + type + "\", \"aggregation\": \"unique_count\", "
                + "\"value_property\": \"$.user\"}");
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        Instant t = hoursAgo(2).plusSeconds(60);
        // 3 KB that does not compress: beyond the 2704 bytes of a B-tree row, which stopped the partition's aggregation
        String random = randomText(3000);
        ingest(batch(event("k0", customer, t, type, "{\"endpoint\": \"GET /pets\", \"user\": \"u0\"}"),
                event("k1", customer, t, type, "{\"endpoint\": \"" + random + "\", \"user\": \"u1\"}"),
                event("k2", customer, t, type, "{\"endpoint\": \"GET /pets\", \"user\": \"" + random + "\"}"),
                event("k3", customer, t, type, "{\"endpoint\": \"GET /pets\", \"user\": \"u3\"}")))
                .then().statusCode(202).body("accepted", equalTo(2))
                .body("rejected.index", contains(1, 2)).body("rejected.id", contains("k1", "k2"))
                .body("rejected.error", contains("meter '" + calls + "' needs group values of at most 1536 bytes together (as JSON) at $.endpoint",
                        "meter '" + users + "' needs a value of at most 768 bytes at $.user"));
        Instant hour = t.truncatedTo(ChronoUnit.HOURS);
        JsonNode grouped = Fixtures.await(calls + " = 2", Duration.ofSeconds(20),
                () -> Fixtures.usage(calls, customer, hour, hour.plus(1, ChronoUnit.HOURS), "hour", "endpoint"),
                d -> d.size() == 1 && d.get(0).get("value").asText().equals("2"));
        assertEquals("GET /pets", grouped.get(0).get("group").get("endpoint").asText());
        awaitUsage(users, customer, hour, "2");
        assertEquals(2, Fixtures.count(db, "SELECT count(*) FROM usage_events WHERE customer_id = ?", customer));
    }

    @Test
    void aNumberJsonbCannotStoreIsRejectedPerItemWhereverItIsInData() {
        Setup s = setup();
        Instant t = hoursAgo(3).plusSeconds(120);
        // in fields no meter reads; numbers no JSON library writes, so built as text
        String tiny = event("j1", s.customer(), t, s.type(), "{\"bytes\": 1, \"meta\": {\"ratio\": 0}}").toString()
                .replace("\"ratio\":0", "\"ratio\":1e-20000");
        String huge = event("j2", s.customer(), t, s.type(), "{\"bytes\": 1, \"samples\": [1, 2]}").toString()
                .replace("[1,2]", "[1,1e131072]");
        String body = "[" + event("j0", s.customer(), t, s.type(), "{\"bytes\": 5}") + "," + tiny + "," + huge + ","
                + event("j3", s.customer(), t, s.type(), "{\"bytes\": 7, \"max\": 0}").toString()
                .replace("\"max\":0", "\"max\":1e131071") + "]"; // the largest magnitude jsonb stores: accepted
        ingest(body).then().statusCode(202).body("accepted", equalTo(2)).body("duplicates", equalTo(0))
                .body("rejected.index", contains(1, 2))
                .body("rejected.error", contains(
                        "data has a number at $.meta.ratio that PostgreSQL cannot store (at most 131072 digits before the point "
                                + "and 16383 after it, the exponent applied)",
                        "data has a number at $.samples[1] that PostgreSQL cannot store (at most 131072 digits before the point "
                                + "and 16383 after it, the exponent applied)"));
        Instant hour = t.truncatedTo(ChronoUnit.HOURS);
        awaitUsage(s.bytes(), s.customer(), hour, "12");
        awaitUsage(s.calls(), s.customer(), hour, "2");
        assertEquals(2, Fixtures.count(db, "SELECT count(*) FROM usage_events WHERE customer_id = ?", s.customer()));
        // a retry of a rejected event is rejected again, not answered as a duplicate of a lost one
        ingest("[" + tiny + "]").then().statusCode(400).body("errors[0].field", equalTo("events[0]"));
    }

    @Test
    void theNumberBoundIsExactlyWhatJsonbStores() throws Exception {
        try (Connection c = db.getConnection(); java.sql.PreparedStatement ps = c.prepareStatement("SELECT ?::jsonb")) {
            for (JsonbNumbersTest.Row r : JsonbNumbersTest.TABLE) {
                String json = "{\"x\": " + r.token() + "}";
                boolean stored;
                ps.setString(1, json);
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    stored = rs.next();
                } catch (java.sql.SQLException e) {
                    assertEquals("22003", e.getSQLState(), r + ": " + e.getMessage());
                    stored = false;
                }
                assertEquals(stored, r.stored(), "PostgreSQL on " + r);
                assertEquals(stored, JsonbNumbers.problem(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)) == null, "ingest on " + r);
            }
        }
    }

    private static String randomText(int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        java.util.Random random = new java.security.SecureRandom();
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    @Test
    void aRequestWithoutAnyValidEventIs400WithEveryItemsReason() {
        Setup s = setup();
        ObjectNode noTime = event("b", s.customer(), hoursAgo(1), s.type(), "{}");
        noTime.remove("time");
        given().auth().oauth2(Fixtures.writer()).contentType(Fixtures.BATCH)
                .body(batch(noTime, event("c", s.customer(), Instant.now().plus(1, ChronoUnit.DAYS), s.type(), "{\"bytes\": 1}")))
                .post("/v1/events").then().statusCode(400).contentType("application/problem+json")
                .body("errors.index", contains(0, 1))
                .body("errors.message", contains("time is missing", "time is more than 5 minutes in the future"));
        given().auth().oauth2(Fixtures.writer()).contentType(Fixtures.BATCH).body("[]").post("/v1/events").then().statusCode(400)
                .body("errors[0].field", equalTo("body"));
        given().auth().oauth2(Fixtures.writer()).contentType(Fixtures.BATCH).body("[{\"id\": ").post("/v1/events").then().statusCode(400)
                .contentType("application/problem+json");
        ArrayNode tooMany = Fixtures.JSON.createArrayNode();
        for (int i = 0; i < 1001; i++) {
            tooMany.add(event("big-" + i, s.customer(), hoursAgo(1), s.type(), "{\"bytes\": 1}"));
        }
        given().auth().oauth2(Fixtures.writer()).contentType(Fixtures.BATCH).body(tooMany.toString()).post("/v1/events").then()
                .statusCode(400).body("detail", org.hamcrest.Matchers.containsString("at most 1000"));
    }

    @Test
    void aDuplicateWithADifferentTimestampIsNeverCountedTwice() {
        Setup s = setup();
        Instant first = hoursAgo(5).plusSeconds(30);
        Instant other = hoursAgo(2).plusSeconds(30);
        ingest(batch(event("req-1", s.customer(), first, s.type(), "{\"bytes\": 100}"))).then().statusCode(202)
                .body("accepted", equalTo(1)).body("duplicates", equalTo(0));
        // the same (source, id) again, later and with another timestamp and data: a duplicate
        ingest(batch(event("req-1", s.customer(), other, s.type(), "{\"bytes\": 999}"))).then().statusCode(202)
                .body("accepted", equalTo(0)).body("duplicates", equalTo(1)).body("rejected", hasSize(0));
        // another source with the same id is another event
        ObjectNode otherSource = event("req-1", s.customer(), first, s.type(), "{\"bytes\": 1}");
        otherSource.put("source", "billing-batch");
        ingest(batch(otherSource)).then().statusCode(202).body("accepted", equalTo(1));
        awaitUsage(s.bytes(), s.customer(), first.truncatedTo(ChronoUnit.HOURS), "101");
        assertEquals(0, Fixtures.usage(s.bytes(), s.customer(), other.truncatedTo(ChronoUnit.HOURS),
                other.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS), "hour", null).size());
        assertEquals(2, Fixtures.count(db, "SELECT count(*) FROM usage_events WHERE customer_id = ?", s.customer()));
    }

    @Test
    void aSingleCloudEventIsPublishedAsABinaryCloudEventKeyedByTheCustomerId() {
        Setup s = setup();
        String external = Fixtures.unique("acme");
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), external);
        Instant t = hoursAgo(1).plusSeconds(42);
        ObjectNode e = event(Fixtures.unique("req"), external, t, s.type(), "{\"endpoint\": \"GET /pets\", \"bytes\": 12.5}");
        e.put("env", "test");
        given().auth().oauth2(Fixtures.writer()).contentType(Fixtures.SINGLE).body(e.toString()).post("/v1/events")
                .then().statusCode(202).body("accepted", equalTo(1));
        List<ConsumerRecord<String, byte[]>> records = Fixtures.read(KafkaResource.bootstrapServers(), "usage.events",
                r -> e.get("id").asText().equals(Fixtures.header(r, "ce_id")));
        assertEquals(1, records.size());
        ConsumerRecord<String, byte[]> r = records.get(0);
        assertEquals(customer, r.key());
        assertEquals("1.0", Fixtures.header(r, "ce_specversion"));
        assertEquals("petstore-gateway", Fixtures.header(r, "ce_source"));
        assertEquals(s.type(), Fixtures.header(r, "ce_type"));
        assertEquals(customer, Fixtures.header(r, "ce_subject"), "the subject is resolved to the customer id");
        assertEquals(t.toString(), Fixtures.header(r, "ce_time"));
        assertEquals("application/json", Fixtures.header(r, "content-type"));
        assertEquals("test", Fixtures.header(r, "apimon_env"));
        assertEquals("12.5", Fixtures.value(r).get("bytes").decimalValue().toPlainString());
        assertEquals("GET /pets", Fixtures.value(r).get("endpoint").asText());
    }

    @Test
    void anIdempotencyKeyRepeatGetsTheFirstAnswer() {
        Setup s = setup();
        String body = batch(event("k1", s.customer(), hoursAgo(1), s.type(), "{\"bytes\": 1}"),
                event("k2", s.customer(), hoursAgo(1), s.type(), "{\"bytes\": 2}"));
        String key = Fixtures.unique("idem");
        given().auth().oauth2(Fixtures.writer()).contentType(Fixtures.BATCH).header("Idempotency-Key", key).body(body)
                .post("/v1/events").then().statusCode(202).body("accepted", equalTo(2)).body("duplicates", equalTo(0));
        given().auth().oauth2(Fixtures.writer()).contentType(Fixtures.BATCH).header("Idempotency-Key", key).body(body)
                .post("/v1/events").then().statusCode(202).body("accepted", equalTo(2)).body("duplicates", equalTo(0));
        given().auth().oauth2(Fixtures.writer()).contentType(Fixtures.BATCH).body(body)
                .post("/v1/events").then().statusCode(202).body("accepted", equalTo(0)).body("duplicates", equalTo(2));
        // built, not body.replace("k2", "k3"): the generated event type and customer id may contain "k2" themselves
        // (base-36 time; it happened in CI), which made an invalid batch answer 400 before the key was looked at
        String other = batch(event("k1", s.customer(), hoursAgo(1), s.type(), "{\"bytes\": 1}"),
                event("k3", s.customer(), hoursAgo(1), s.type(), "{\"bytes\": 2}"));
        given().auth().oauth2(Fixtures.writer()).contentType(Fixtures.BATCH).header("Idempotency-Key", key).body(other)
                .post("/v1/events").then().statusCode(422).body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));
    }

    @Test
    void anIdempotencyKeyRepeatGetsTheFirstAnswerEvenWhenValidationWouldNowRefuseTheBody() {
        String type = Fixtures.unique("idemval") + ".request";
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        String body = batch(event("v1", customer, hoursAgo(1), type, "{\"bytes\": \"lots\"}"));
        String key = Fixtures.unique("idem");
        given().auth().oauth2(Fixtures.writer()).contentType(Fixtures.BATCH).header("Idempotency-Key", key).body(body)
                .post("/v1/events").then().statusCode(202).body("accepted", equalTo(1));
        // a sum meter created since makes "lots" a value that a new request of this body is refused for
        Fixtures.createMeter("{\"slug\": \"" + Fixtures.unique("bytes") + "\", \"event_type\": \"" + type
                + "\", \"aggregation\": \"sum\", \"value_property\": \"$.bytes\"}");
        Fixtures.await("ingest refuses the body now", Duration.ofSeconds(10), () -> given().auth().oauth2(Fixtures.writer())
                .contentType(Fixtures.BATCH).body(body).post("/v1/events").statusCode(), status -> status == 400);
        // the client's retry of its first request still gets the first answer, not a 400 that would make it drop events
        given().auth().oauth2(Fixtures.writer()).contentType(Fixtures.BATCH).header("Idempotency-Key", key).body(body)
                .post("/v1/events").then().statusCode(202).body("accepted", equalTo(1)).body("duplicates", equalTo(0));
    }

    static String correction(String originalId, String action, String data) {
        return "{\"original\": {\"source\": \"petstore-gateway\", \"id\": \"" + originalId + "\"}, \"action\": \"" + action
                + "\", \"reason\": \"audit\"" + (data == null ? "" : ", \"data\": " + data) + "}";
    }

    @Test
    void aCorrectionTheAggregatorWouldDeadLetterIsRefusedPerItemOnceTheOriginalIsLogged() throws Exception {
        Setup s = setup();
        Instant h = hoursAgo(4);
        String fix = "com.apimon.usage.correction";
        ingest(batch(event("a", s.customer(), h.plusSeconds(1), s.type(), "{\"bytes\": 5}"),
                event("b", s.customer(), h.plusSeconds(2), s.type(), "{\"bytes\": 7}"))).then().statusCode(202);
        awaitUsage(s.bytes(), s.customer(), h, "12");
        ingest(batch(
                event("fix-a", s.customer(), Instant.now(), fix, correction("a", "replace", "{\"bytes\": \"n/a\"}")),
                event("fix-b", s.customer(), Instant.now(), fix, correction("b", "void", null))))
                .then().statusCode(202).body("accepted", equalTo(1)).body("rejected.index", contains(0))
                .body("rejected.error", contains(org.hamcrest.Matchers.startsWith("the replacement data cannot be measured: meter '"
                        + s.bytes() + "' needs")));
        awaitUsage(s.bytes(), s.customer(), h, "5");
        ingest(batch(event("fix-fix-b", s.customer(), Instant.now(), fix, correction("fix-b", "void", null))))
                .then().statusCode(400).body("errors[0].message", equalTo("a correction cannot be corrected: correct the original event instead"));
        // the same, sent together with the correction it corrects
        ingest(batch(event("fix-b-2", s.customer(), Instant.now(), fix, correction("b", "void", null)),
                event("fix-fix-b-2", s.customer(), Instant.now(), fix, correction("fix-b-2", "void", null))))
                .then().statusCode(202).body("accepted", equalTo(1)).body("rejected.index", contains(1))
                .body("rejected.error", contains("a correction cannot be corrected: correct the original event instead"));
        // a meter created after "a" was logged never counts it, so it has no say in a's replacement data
        Fixtures.createMeter("{\"slug\": \"" + Fixtures.unique("other") + "\", \"event_type\": \"" + s.type()
                + "\", \"aggregation\": \"sum\", \"value_property\": \"$.other\"}");
        ingest(batch(event("fix-a-2", s.customer(), Instant.now(), fix, correction("a", "replace", "{\"bytes\": 3}"))))
                .then().statusCode(202).body("accepted", equalTo(1));
        awaitUsage(s.bytes(), s.customer(), h, "3");

        Instant old = Instant.now().minus(Duration.ofDays(401)).truncatedTo(ChronoUnit.HOURS);
        try (Connection c = db.getConnection(); var ps = c.prepareStatement("INSERT INTO usage_events (customer_id, source, "
                + "event_id, type, time, env, data, ingested_at) VALUES (?, 'petstore-gateway', 'ancient', ?, ?, 'live', '{}'::jsonb, ?)")) {
            ps.setString(1, s.customer());
            ps.setString(2, s.type());
            ps.setTimestamp(3, java.sql.Timestamp.from(old.plusSeconds(60)));
            ps.setTimestamp(4, java.sql.Timestamp.from(old.plusSeconds(61)));
            ps.executeUpdate();
        }
        ingest(batch(event("fix-ancient", s.customer(), Instant.now(), fix, correction("ancient", "void", null))))
                .then().statusCode(400).body("errors[0].message", org.hamcrest.Matchers.startsWith("the corrected event's hour ("
                        + old + ") is past the raw log's retention"));
    }

    @Test
    void aReplacementIsHeldToTheBoundsANewEventMeets() {
        Setup s = setup();
        String byEndpoint = Fixtures.unique("byep");
        Fixtures.createMeter("{\"slug\": \"" + byEndpoint + "\", \"event_type\": \"" + s.type()
                + "\", \"aggregation\": \"count\", \"group_by\": {\"endpoint\": \"$.endpoint\"}}");
        Instant h = hoursAgo(3);
        ingest(batch(event("g1", s.customer(), h.plusSeconds(1), s.type(), "{\"bytes\": 1, \"endpoint\": \"GET /a\"}")))
                .then().statusCode(202).body("accepted", equalTo(1));
        awaitUsage(s.bytes(), s.customer(), h, "1");
        String longEndpoint = "\"" + "x".repeat(2000) + "\"";
        // a new event with this group value is refused (over 1536 bytes of group key)...
        ingest(batch(event("g2", s.customer(), h.plusSeconds(2), s.type(), "{\"bytes\": 1, \"endpoint\": " + longEndpoint + "}")))
                .then().statusCode(400);
        // ...and so is a replacement carrying it, though the aggregator could still store it
        ingest(batch(event("fix-g1", s.customer(), Instant.now(), "com.apimon.usage.correction",
                correction("g1", "replace", "{\"bytes\": 1, \"endpoint\": " + longEndpoint + "}"))))
                .then().statusCode(400).body("errors[0].message", org.hamcrest.Matchers.startsWith(
                        "the replacement data cannot be measured: "));
    }

    @Test
    void onlyWritersAndAdminsIngest() {
        Setup s = setup();
        String body = batch(event(Fixtures.unique("r"), s.customer(), hoursAgo(1), s.type(), "{\"bytes\": 1}"));
        given().auth().oauth2(Tokens.alice()).contentType(Fixtures.BATCH).body(body).post("/v1/events").then().statusCode(403)
                .contentType("application/problem+json");
        given().contentType(Fixtures.BATCH).body(body).post("/v1/events").then().statusCode(401);
        given().auth().oauth2(Tokens.admin()).contentType(Fixtures.BATCH).body(body).post("/v1/events").then().statusCode(202)
                .body("accepted", equalTo(1));
        given().auth().oauth2(Fixtures.writer()).contentType("text/plain").body(body).post("/v1/events").then().statusCode(415);
    }

    @Test
    void retriesSentWhileTheFirstIsStillInFlightAreCountedOnce() throws Exception {
        Setup s = setup();
        Instant hour = hoursAgo(6);
        ArrayNode events = Fixtures.JSON.createArrayNode();
        for (int i = 0; i < 500; i++) {
            events.add(event("inflight-" + i, s.customer(), hour.plusSeconds(i), s.type(), "{\"bytes\": 2}"));
        }
        String body = events.toString();
        // a client that times out and retries at once, several times: the copies overlap in the service
        int copies = 4;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(copies);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<JsonNode>> answers = new java.util.ArrayList<>();
        for (int c = 0; c < copies; c++) {
            answers.add(pool.submit(() -> {
                go.await();
                return Fixtures.JSON.readTree(ingest(body).then().statusCode(202).extract().asString());
            }));
        }
        go.countDown();
        int accepted = 0;
        int duplicates = 0;
        for (java.util.concurrent.Future<JsonNode> a : answers) {
            JsonNode answer = a.get(60, java.util.concurrent.TimeUnit.SECONDS);
            accepted += answer.get("accepted").asInt();
            duplicates += answer.get("duplicates").asInt();
        }
        pool.shutdown();
        assertEquals(500, accepted, "each event accepted by exactly one of the copies");
        assertEquals(500 * (copies - 1), duplicates);
        awaitUsage(s.calls(), s.customer(), hour, "500");
        awaitUsage(s.bytes(), s.customer(), hour, "1000");
        assertEquals(500, Fixtures.count(db, "SELECT count(*) FROM usage_events WHERE customer_id = ?", s.customer()));
        String first = "inflight-0";
        assertEquals(1, Fixtures.read(KafkaResource.bootstrapServers(), "usage.events", r -> first.equals(Fixtures.header(r, "ce_id"))
                && s.customer().equals(r.key())).size(), "published once");
    }

    @Test
    void aRetryAfterTheLedgerFailedToCommitIsCountedOnce() throws Exception {
        Setup s = setup();
        // the ledger's commit fails AFTER Kafka committed the events: a deferred trigger raises at COMMIT
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE OR REPLACE FUNCTION test_fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "IF NEW.key LIKE '%13:flaky-gateway%' THEN RAISE EXCEPTION 'injected commit failure'; END IF; RETURN NULL; END $$");
            st.execute("CREATE CONSTRAINT TRIGGER test_fail_commit AFTER INSERT ON dedup_ledger DEFERRABLE INITIALLY DEFERRED "
                    + "FOR EACH ROW EXECUTE FUNCTION test_fail_commit()");
        }
        Instant t = hoursAgo(4).plusSeconds(5);
        ObjectNode e = event(Fixtures.unique("req"), s.customer(), t, s.type(), "{\"bytes\": 7}");
        e.put("source", "flaky-gateway");
        try {
            // Kafka has the event, so it is accepted even though the ledger could not record it
            ingest(batch(e)).then().statusCode(202).body("accepted", equalTo(1));
            assertEquals(0, Fixtures.count(db, "SELECT count(*) FROM dedup_ledger WHERE key LIKE ?", s.customer().length() + ":" + s.customer() + "%"));
        } finally {
            try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
                st.execute("DROP TRIGGER test_fail_commit ON dedup_ledger");
            }
        }
        // the client retries (it may not trust the first answer): the ledger has no claim, so it is published again...
        ingest(batch(e)).then().statusCode(202).body("accepted", equalTo(1));
        String id = e.get("id").asText();
        assertEquals(2, Fixtures.read(KafkaResource.bootstrapServers(), "usage.events", r -> id.equals(Fixtures.header(r, "ce_id"))).size());
        // ...and the aggregator counts it once
        awaitUsage(s.bytes(), s.customer(), t.truncatedTo(ChronoUnit.HOURS), "7");
        awaitUsage(s.calls(), s.customer(), t.truncatedTo(ChronoUnit.HOURS), "1");
        Fixtures.sleep(1000); // give a wrongly applied second copy the time to show
        awaitUsage(s.bytes(), s.customer(), t.truncatedTo(ChronoUnit.HOURS), "7");
        assertEquals(1, Fixtures.count(db, "SELECT count(*) FROM usage_events WHERE customer_id = ?", s.customer()));
        // from now on the ledger knows it
        ingest(batch(e)).then().statusCode(202).body("accepted", equalTo(0)).body("duplicates", equalTo(1));
    }
}
