package dev.apimon.usage.aggregation;

import static dev.apimon.usage.support.Fixtures.batch;
import static dev.apimon.usage.support.Fixtures.event;
import static dev.apimon.usage.support.Fixtures.ingest;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.usage.support.Fixtures;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class AggregationTest {
    @Inject
    AgroalDataSource db;

    static String meter(String slug, String type, String agg, String value, String groupBy, String filter) {
        return "{\"slug\": \"" + slug + "\", \"event_type\": \"" + type + "\", \"aggregation\": \"" + agg + "\""
                + (value == null ? "" : ", \"value_property\": \"" + value + "\"")
                + (groupBy == null ? "" : ", \"group_by\": " + groupBy)
                + (filter == null ? "" : ", \"filter\": " + filter) + "}";
    }

    /** value of the single row of a usage answer, or of the row whose group matches */
    static List<String> values(JsonNode data) {
        List<String> out = new ArrayList<>();
        data.forEach(r -> out.add(r.get("value").asText()));
        return out;
    }

    JsonNode awaitUsage(String meter, String customer, Instant from, Instant to, String window, String groupBy, List<String> expected) {
        return Fixtures.await(meter + " " + window + " = " + expected, Duration.ofSeconds(20),
                () -> Fixtures.usage(meter, customer, from, to, window, groupBy), d -> values(d).equals(expected));
    }

    @Test
    void everyAggregationRollsUpExactlyAndLateEventsLandInTheirHour() {
        String p = Fixtures.unique("agg");
        String type = p + ".request";
        String calls = p + "_calls", gb = p + "_gb", peak = p + "_peak", low = p + "_low", users = p + "_users", seats = p + "_seats";
        Fixtures.createMeter(meter(calls, type, "count", null, "{\"endpoint\": \"$.endpoint\"}", "{\"$.status\": {\"lt\": 500}}"));
        Fixtures.createMeter(meter(gb, type, "sum", "$.gb", "{\"region\": \"$.region\"}", null));
        Fixtures.createMeter(meter(peak, type, "max", "$.conc", null, null));
        Fixtures.createMeter(meter(low, type, "min", "$.conc", null, null));
        Fixtures.createMeter(meter(users, type, "unique_count", "$.user", null, null));
        Fixtures.createMeter(meter(seats, type, "latest", "$.seats", null, null));
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        Instant h1 = Fixtures.hoursAgo(50), h2 = h1.plus(1, ChronoUnit.HOURS), h3 = h1.plus(24, ChronoUnit.HOURS);
        ingest(batch(
                event("e1", customer, h1.plusSeconds(600), type, "{\"endpoint\": \"GET /pets\", \"status\": 200, \"gb\": \"0.1\", \"region\": \"eu\", \"conc\": 3, \"user\": \"u1\", \"seats\": 5}"),
                event("e2", customer, h1.plusSeconds(1200), type, "{\"endpoint\": \"GET /pets\", \"status\": 200, \"gb\": 0.2, \"region\": \"eu\", \"conc\": 7, \"user\": \"u2\", \"seats\": 6}"),
                event("e3", customer, h1.plusSeconds(1800), type, "{\"endpoint\": \"POST /pets\", \"status\": 500, \"gb\": 1.05, \"region\": \"us\", \"conc\": 1, \"user\": \"u1\", \"seats\": 4}"),
                event("e4", customer, h2.plusSeconds(300), type, "{\"endpoint\": \"GET /pets\", \"status\": 201, \"gb\": \"2\", \"region\": \"eu\", \"conc\": 2, \"user\": \"u1\", \"seats\": 9}"),
                event("e5", customer, h3, type, "{\"endpoint\": \"POST /pets\", \"status\": 200, \"gb\": 0.15, \"region\": \"us\", \"conc\": 10, \"user\": \"u3\", \"seats\": 2}")))
                .then().statusCode(202).body("accepted", equalTo(5));

        Instant h1End = h2;
        awaitUsage(calls, customer, h1, h1End, "hour", null, List.of("2"));
        awaitUsage(gb, customer, h1, h1End, "hour", null, List.of("1.35"));
        awaitUsage(peak, customer, h1, h1End, "hour", null, List.of("7"));
        awaitUsage(low, customer, h1, h1End, "hour", null, List.of("1"));
        awaitUsage(users, customer, h1, h1End, "hour", null, List.of("2"));
        awaitUsage(seats, customer, h1, h1End, "hour", null, List.of("4"));

        Instant to = h1.plus(48, ChronoUnit.HOURS);
        JsonNode days = awaitUsage(calls, customer, h1, to, "day", null, List.of("3", "1"));
        assertEquals(h1.toString(), days.get(0).get("window_start").asText());
        assertEquals(h3.toString(), days.get(0).get("window_end").asText());
        assertEquals(to.toString(), days.get(1).get("window_end").asText());
        awaitUsage(gb, customer, h1, to, "day", null, List.of("3.35", "0.15"));
        awaitUsage(peak, customer, h1, to, "day", null, List.of("7", "10"));
        awaitUsage(low, customer, h1, to, "day", null, List.of("1", "10"));
        awaitUsage(users, customer, h1, to, "day", null, List.of("2", "1"));
        awaitUsage(seats, customer, h1, to, "day", null, List.of("9", "2"));
        awaitUsage(users, customer, h1, to, "month", null, List.of("3"));
        awaitUsage(gb, customer, h1, to, "month", null, List.of("3.5"));
        JsonNode byEndpoint = awaitUsage(calls, customer, h1, to, "day", "endpoint", List.of("3", "1"));
        assertEquals("GET /pets", byEndpoint.get(0).get("group").get("endpoint").asText());
        assertEquals("POST /pets", byEndpoint.get(1).get("group").get("endpoint").asText());
        JsonNode byRegion = awaitUsage(gb, customer, h1, to, "month", "region", List.of("2.3", "1.2"));
        assertEquals("eu", byRegion.get(0).get("group").get("region").asText());

        // a late event (sent now, happened in h1) lands in h1, not in the hour it arrived
        ingest(batch(event("e6", customer, h1.plusSeconds(3000), type,
                "{\"endpoint\": \"GET /pets\", \"status\": 200, \"gb\": 0.05, \"region\": \"eu\", \"conc\": 0, \"user\": \"u9\", \"seats\": 1}")))
                .then().statusCode(202).body("accepted", equalTo(1));
        awaitUsage(gb, customer, h1, h1End, "hour", null, List.of("1.4"));
        awaitUsage(seats, customer, h1, h1End, "hour", null, List.of("1"));
        awaitUsage(seats, customer, h1, to, "day", null, List.of("9", "2"));
        awaitUsage(low, customer, h1, h1End, "hour", null, List.of("0"));
        Instant now = Instant.now().truncatedTo(ChronoUnit.HOURS);
        assertEquals(0, Fixtures.usage(gb, customer, now.minus(2, ChronoUnit.HOURS), now.plus(1, ChronoUnit.HOURS), "hour", null).size());

        // every change was published on usage.aggregates; the highest version holds the bucket's value
        List<ConsumerRecord<String, byte[]>> deltas = Fixtures.await("usage.aggregates for the gb/eu bucket of h1", Duration.ofSeconds(20),
                () -> Fixtures.read(KafkaResource.bootstrapServers(), "usage.aggregates", r -> customer.equals(r.key())
                        && gb.equals(Fixtures.value(r).get("meter").asText()) && h1.toString().equals(Fixtures.value(r).get("window_start").asText())
                        && "eu".equals(Fixtures.value(r).path("group").path("region").asText())),
                l -> l.stream().anyMatch(r -> Fixtures.value(r).get("value").asText().equals("0.35")));
        ConsumerRecord<String, byte[]> last = deltas.stream().max(Comparator.comparingLong(r -> Fixtures.value(r).get("version").asLong())).orElseThrow();
        JsonNode v = Fixtures.value(last);
        assertEquals(customer, v.get("customer_id").asText());
        assertEquals("sum", v.get("aggregation").asText());
        assertEquals(h2.toString(), v.get("window_end").asText());
        assertEquals("live", v.get("env").asText());
        assertTrue(v.get("value").isTextual(), "quantities travel as strings");
        assertEquals("0.35", v.get("value").asText());
        assertEquals(2, v.get("version").asLong());
        assertEquals("com.apimon.usage.aggregate", Fixtures.header(last, "ce_type"));
        assertEquals(customer, Fixtures.header(last, "ce_subject"));
    }

    @Test
    void correctionsAreAppendedAndRecomputeTheOriginalsHour() {
        String p = Fixtures.unique("corr");
        String type = p + ".request";
        String gb = p + "_gb", peak = p + "_peak", calls = p + "_calls";
        Fixtures.createMeter(meter(gb, type, "sum", "$.gb", "{\"region\": \"$.region\"}", null));
        Fixtures.createMeter(meter(peak, type, "max", "$.conc", null, null));
        Fixtures.createMeter(meter(calls, type, "count", null, null, null));
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        Instant h = Fixtures.hoursAgo(7);
        Instant end = h.plus(1, ChronoUnit.HOURS);
        ingest(batch(event("a", customer, h.plusSeconds(60), type, "{\"gb\": 5, \"conc\": 9, \"region\": \"eu\"}"),
                event("b", customer, h.plusSeconds(120), type, "{\"gb\": 3, \"conc\": 4, \"region\": \"eu\"}")))
                .then().statusCode(202).body("accepted", equalTo(2));
        awaitUsage(gb, customer, h, end, "hour", null, List.of("8"));

        String c = "com.apimon.usage.correction";
        ingest(batch(
                event("fix-a", customer, Instant.now(), c, "{\"original\": {\"source\": \"petstore-gateway\", \"id\": \"a\"}, "
                        + "\"action\": \"replace\", \"reason\": \"gateway misread the size\", \"data\": {\"gb\": 1, \"conc\": 2, \"region\": \"us\"}}"),
                event("void-b", customer, Instant.now(), c, "{\"original\": {\"source\": \"petstore-gateway\", \"id\": \"b\"}, "
                        + "\"action\": \"void\", \"reason\": \"synthetic monitoring traffic\"}")))
                .then().statusCode(202).body("accepted", equalTo(2));
        awaitUsage(gb, customer, h, end, "hour", null, List.of("1"));
        awaitUsage(peak, customer, h, end, "hour", null, List.of("2"));
        awaitUsage(calls, customer, h, end, "hour", null, List.of("1"));
        JsonNode byRegion = awaitUsage(gb, customer, h, end, "hour", "region", List.of("1"));
        assertEquals("us", byRegion.get(0).get("group").get("region").asText(), "the eu bucket has no events left");

        // the log keeps the originals unchanged and the corrections next to them
        JsonNode log = Fixtures.JSON.valueToTree(io.restassured.RestAssured.given().auth().oauth2(dev.apimon.testinfra.Tokens.admin())
                .queryParam("customer_id", customer).get("/v1/events").then().statusCode(200).extract().as(java.util.Map.class)).get("data");
        assertEquals(4, log.size());
        JsonNode a = log.get(0);
        assertEquals("a", a.get("id").asText());
        assertEquals(5, a.get("data").get("gb").asInt(), "the original is never updated");
        JsonNode fix = java.util.stream.StreamSupport.stream(log.spliterator(), false).filter(e -> e.get("id").asText().equals("fix-a")).findFirst().orElseThrow();
        assertEquals("a", fix.get("corrects").get("id").asText());
        assertEquals("gateway misread the size", fix.get("data").get("reason").asText());

        // a correction must name a known event of this customer
        ingest(batch(event("fix-x", customer, Instant.now(), c, "{\"original\": {\"source\": \"petstore-gateway\", \"id\": \"nope\"}, "
                + "\"action\": \"void\", \"reason\": \"x\"}"))).then().statusCode(400)
                .body("errors[0].message", org.hamcrest.Matchers.containsString("is unknown for this customer"));
        // a second correction of the same event supersedes the first
        ingest(batch(event("fix-a-2", customer, Instant.now(), c, "{\"original\": {\"source\": \"petstore-gateway\", \"id\": \"a\"}, "
                + "\"action\": \"replace\", \"reason\": \"second look\", \"data\": {\"gb\": 2.5, \"conc\": 1, \"region\": \"eu\"}}")))
                .then().statusCode(202).body("accepted", equalTo(1));
        JsonNode regions = awaitUsage(gb, customer, h, end, "hour", "region", List.of("2.5"));
        assertEquals("eu", regions.get(0).get("group").get("region").asText(), "the us bucket has no events left: not listed");
        awaitUsage(gb, customer, h, end, "hour", null, List.of("2.5"));
    }

    @Test
    void aReplacementOnAUniqueCountMeterMovesTheDistinctValue() {
        String p = Fixtures.unique("uniq");
        String type = p + ".request";
        String users = p + "_users";
        Fixtures.createMeter(meter(users, type, "unique_count", "$.user", null, null));
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        Instant h10 = Fixtures.hoursAgo(30), h11 = h10.plus(1, ChronoUnit.HOURS), end = h10.plus(2, ChronoUnit.HOURS);
        ingest(batch(event("u-a", customer, h10.plusSeconds(60), type, "{\"user\": \"a\"}"),
                event("u-b", customer, h11.plusSeconds(60), type, "{\"user\": \"b\"}")))
                .then().statusCode(202).body("accepted", equalTo(2));
        awaitUsage(users, customer, h10, end, "day", null, List.of("2"));

        // hour 10 still counts one user, but it is now "b": the two hours together count one
        ingest(batch(event("fix-u-a", customer, Instant.now(), "com.apimon.usage.correction",
                "{\"original\": {\"source\": \"petstore-gateway\", \"id\": \"u-a\"}, \"action\": \"replace\", "
                        + "\"reason\": \"the gateway sent the wrong user\", \"data\": {\"user\": \"b\"}}")))
                .then().statusCode(202).body("accepted", equalTo(1));
        awaitUsage(users, customer, h10, end, "day", null, List.of("1"));
        awaitUsage(users, customer, h10, h11, "hour", null, List.of("1"));

        // "a" is no longer among hour 10's users, so a later "a" in that hour counts
        ingest(batch(event("u-a2", customer, h10.plusSeconds(120), type, "{\"user\": \"a\"}")))
                .then().statusCode(202).body("accepted", equalTo(1));
        awaitUsage(users, customer, h10, h11, "hour", null, List.of("2"));
        awaitUsage(users, customer, h10, end, "day", null, List.of("2"));
    }

    @Test
    void replayingTheTopicFromOffsetZeroAndSecondCopiesChangeNothing() throws Exception {
        String p = Fixtures.unique("replay");
        String type = p + ".request";
        String gb = p + "_gb", users = p + "_users";
        Fixtures.createMeter(meter(gb, type, "sum", "$.gb", null, null));
        Fixtures.createMeter(meter(users, type, "unique_count", "$.user", null, null));
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        Instant h = Fixtures.hoursAgo(9);
        ingest(batch(event("r1", customer, h.plusSeconds(1), type, "{\"gb\": 1.25, \"user\": \"u1\"}"),
                event("r2", customer, h.plusSeconds(2), type, "{\"gb\": 2, \"user\": \"u2\"}"))).then().statusCode(202);
        awaitUsage(gb, customer, h, h.plus(1, ChronoUnit.HOURS), "hour", null, List.of("3.25"));
        // a second copy of r1 in Kafka (as an at-least-once producer may write it): dropped by the raw log's key
        Fixtures.publish(KafkaResource.bootstrapServers(), "usage.events", customer, "{\"gb\": 1.25, \"user\": \"u1\"}",
                "ce_specversion", "1.0", "ce_id", "r1", "ce_source", "petstore-gateway", "ce_type", type, "ce_subject", customer,
                "ce_time", h.plusSeconds(1).toString(), "content-type", "application/json", "apimon_env", "live");
        ingest(batch(event("r3", customer, h.plusSeconds(3), type, "{\"gb\": 0.5, \"user\": \"u1\"}"))).then().statusCode(202);
        awaitUsage(gb, customer, h, h.plus(1, ChronoUnit.HOURS), "hour", null, List.of("3.75"));

        String snapshot = buckets();
        long logged = Fixtures.count(db, "SELECT count(*) FROM usage_events");
        long outbox = Fixtures.count(db, "SELECT count(*) FROM outbox WHERE topic = 'usage.aggregates'");
        var loops = consumer.loops();
        long seenBefore = loops.stream().mapToLong(l -> l.recordsSeen()).sum();
        var rewindsBefore = loops.stream().map(l -> l.rewinds()).toList();
        var end = endOffsets();
        long total = end.values().stream().mapToLong(Long::longValue).sum();
        loops.forEach(l -> l.rewind()); // what resetting the group's offsets to zero does
        Fixtures.await("the aggregator re-read usage.events from offset zero", Duration.ofSeconds(30), () -> {
            java.util.Map<org.apache.kafka.common.TopicPartition, Long> pos = new java.util.HashMap<>();
            loops.forEach(l -> pos.putAll(l.positions()));
            return pos;
        }, pos -> java.util.stream.IntStream.range(0, loops.size()).allMatch(i -> loops.get(i).rewinds() > rewindsBefore.get(i))
                && end.entrySet().stream().allMatch(e -> pos.getOrDefault(e.getKey(), 0L) >= e.getValue()));
        long replayed = loops.stream().mapToLong(l -> l.recordsSeen()).sum() - seenBefore;
        // transaction markers take offsets too, so fewer records than offsets were re-read
        assertTrue(replayed >= total / 2, "the replay handed the topic's records to the aggregator again (" + replayed + " of ~" + total + " offsets)");
        assertEquals(snapshot, buckets(), "no bucket value, count or version changed");
        assertEquals(logged, Fixtures.count(db, "SELECT count(*) FROM usage_events"));
        assertEquals(outbox, Fixtures.count(db, "SELECT count(*) FROM outbox WHERE topic = 'usage.aggregates'"), "no aggregate delta was published");
        awaitUsage(users, customer, h, h.plus(1, ChronoUnit.HOURS), "hour", null, List.of("2"));
    }

    @Inject
    dev.apimon.usage.aggregation.messaging.UsageEventsConsumer consumer;

    String buckets() {
        StringBuilder sb = new StringBuilder();
        try (var c = db.getConnection(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT customer_id, meter, env, window_start, group_key, value, event_count, version, latest_seq "
                     + "FROM usage_buckets ORDER BY 1, 2, 3, 4, 5")) {
            while (rs.next()) {
                for (int i = 1; i <= 9; i++) {
                    sb.append(rs.getString(i)).append('|');
                }
                sb.append('\n');
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return sb.toString();
    }

    java.util.Map<org.apache.kafka.common.TopicPartition, Long> endOffsets() {
        java.util.Properties props = new java.util.Properties();
        props.put("bootstrap.servers", KafkaResource.bootstrapServers());
        props.put("isolation.level", "read_committed");
        props.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        props.put("value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(props)) {
            var parts = c.partitionsFor("usage.events").stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition("usage.events", i.partition())).toList();
            return c.endOffsets(parts);
        }
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicAndTheAggregatorKeepsGoing() {
        String p = Fixtures.unique("poison");
        String type = p + ".request";
        String gb = p + "_gb";
        Fixtures.createMeter(meter(gb, type, "sum", "$.gb", null, null));
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        String bootstrap = KafkaResource.bootstrapServers();
        String[] ids = {p + "-noheaders", p + "-notjson", p + "-array", p + "-badtime"};
        Fixtures.publish(bootstrap, "usage.events", customer, "{\"gb\": 1}", "ce_source", "x", "poison_id", ids[0]);
        Fixtures.publish(bootstrap, "usage.events", customer, "{not json", "ce_id", ids[1], "ce_source", "x", "ce_type", type,
                "ce_subject", customer, "ce_time", Instant.now().toString());
        Fixtures.publish(bootstrap, "usage.events", customer, "[1, 2]", "ce_id", ids[2], "ce_source", "x", "ce_type", type,
                "ce_subject", customer, "ce_time", Instant.now().toString());
        Fixtures.publish(bootstrap, "usage.events", customer, "{\"gb\": 1}", "ce_id", ids[3], "ce_source", "x", "ce_type", type,
                "ce_subject", customer, "ce_time", "last tuesday");
        Instant h = Fixtures.hoursAgo(2);
        ingest(batch(event(p + "-ok", customer, h.plusSeconds(10), type, "{\"gb\": 4.5}"))).then().statusCode(202);
        awaitUsage(gb, customer, h, h.plus(1, ChronoUnit.HOURS), "hour", null, List.of("4.5"));

        List<ConsumerRecord<String, byte[]>> dead = Fixtures.await("four dead letters", Duration.ofSeconds(20),
                () -> Fixtures.read(bootstrap, "apimon.dead-letter", r -> customer.equals(r.key())), l -> l.size() >= 4);
        assertEquals(4, dead.size());
        java.util.Map<String, String> reasons = new java.util.HashMap<>();
        for (ConsumerRecord<String, byte[]> r : dead) {
            String id = Fixtures.header(r, "ce_id") != null ? Fixtures.header(r, "ce_id") : Fixtures.header(r, "poison_id");
            reasons.put(id, Fixtures.header(r, "dead-letter-reason"));
            assertEquals("usage.events", Fixtures.header(r, "dead-letter-topic"));
            assertTrue(Fixtures.header(r, "dead-letter-offset") != null);
        }
        assertTrue(reasons.get(ids[0]).contains("ce_id, ce_source, ce_type and ce_time headers are required"), reasons.toString());
        assertTrue(reasons.get(ids[1]).contains("not JSON"), reasons.toString());
        assertTrue(reasons.get(ids[2]).contains("must be a JSON object"), reasons.toString());
        assertTrue(reasons.get(ids[3]).contains("ce_time is not an RFC 3339 timestamp"), reasons.toString());
        assertEquals("{not json", new String(dead.stream().filter(r -> ids[1].equals(Fixtures.header(r, "ce_id"))).findFirst().orElseThrow().value(),
                java.nio.charset.StandardCharsets.UTF_8), "the original value travels unchanged");
    }

    @Test
    void aCustomerSeesOnlyItsOwnUsage() {
        String p = Fixtures.unique("scope");
        String type = p + ".request";
        String calls = p + "_calls";
        Fixtures.createMeter(meter(calls, type, "count", null, null, null));
        Fixtures.ensureCustomer(db, "cus_demo_alice");
        Fixtures.ensureCustomer(db, "cus_demo_bob");
        Instant h = Fixtures.hoursAgo(3);
        ingest(batch(event(p + "1", "cus_demo_alice", h, type, "{}"), event(p + "2", "cus_demo_alice", h, type, "{}"),
                event(p + "3", "cus_demo_bob", h, type, "{}"))).then().statusCode(202).body("accepted", equalTo(3));
        Instant end = h.plus(1, ChronoUnit.HOURS);
        awaitUsage(calls, null, h, end, "hour", null, List.of("3"));
        var alice = io.restassured.RestAssured.given().auth().oauth2(dev.apimon.testinfra.Tokens.alice())
                .queryParam("from", h.toString()).queryParam("to", end.toString());
        alice.get("/v1/meters/" + calls + "/usage").then().statusCode(200).body("data[0].value", equalTo("2"));
        io.restassured.RestAssured.given().auth().oauth2(dev.apimon.testinfra.Tokens.alice())
                .queryParam("from", h.toString()).queryParam("to", end.toString()).queryParam("customer_id", "cus_demo_bob")
                .get("/v1/meters/" + calls + "/usage").then().statusCode(403);
        io.restassured.RestAssured.given().auth().oauth2(dev.apimon.testinfra.Tokens.bob())
                .queryParam("from", h.toString()).queryParam("to", end.toString())
                .get("/v1/meters/" + calls + "/usage").then().statusCode(200).body("data[0].value", equalTo("1"));
        io.restassured.RestAssured.given().auth().oauth2(dev.apimon.testinfra.Tokens.bob()).queryParam("customer_id", "cus_demo_alice")
                .get("/v1/events").then().statusCode(403);
        io.restassured.RestAssured.given().auth().oauth2(dev.apimon.testinfra.Tokens.admin())
                .queryParam("from", h.plusSeconds(60).toString()).queryParam("to", "tomorrow").queryParam("window_size", "week")
                .queryParam("group_by", "endpoint").get("/v1/meters/" + calls + "/usage").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("from", "to", "window_size", "group_by"));
    }

    @Test
    void aCorrectionsRecomputeCountsOnlyWhatTheMeterCountedIngestedAfterItExisted() {
        String p = Fixtures.unique("nobf");
        String type = p + ".request";
        String calls = p + "_calls";
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        Instant h = Fixtures.hoursAgo(5);
        Instant end = h.plus(1, ChronoUnit.HOURS);
        // ingested before the meter exists: never counted (no backfill)
        ingest(batch(event("before", customer, h.plusSeconds(60), type, "{}"))).then().statusCode(202).body("accepted", equalTo(1));
        Fixtures.await("the early event in the raw log", Duration.ofSeconds(20), () -> io.restassured.RestAssured.given()
                .auth().oauth2(dev.apimon.testinfra.Tokens.admin()).queryParam("customer_id", customer).get("/v1/events")
                .then().statusCode(200).extract().jsonPath().getList("data"), l -> l.size() == 1);
        Fixtures.createMeter(meter(calls, type, "count", null, null, null));
        ingest(batch(event("b", customer, h.plusSeconds(120), type, "{}"), event("c", customer, h.plusSeconds(180), type, "{}")))
                .then().statusCode(202).body("accepted", equalTo(2));
        awaitUsage(calls, customer, h, end, "hour", null, List.of("2"));

        // voiding c recomputes the hour from the log: the event from before the meter must stay uncounted
        ingest(batch(event("void-c", customer, Instant.now(), "com.apimon.usage.correction",
                "{\"original\": {\"source\": \"petstore-gateway\", \"id\": \"c\"}, \"action\": \"void\", \"reason\": \"test traffic\"}")))
                .then().statusCode(202).body("accepted", equalTo(1));
        awaitUsage(calls, customer, h, end, "hour", null, List.of("1"));
    }

    @Inject
    dev.apimon.usage.aggregation.domain.AggregationService aggregation;

    @Inject
    dev.apimon.usage.meters.store.MeterStore meters;

    @Test
    void aCorrectionOfAnHourPastTheRawLogsRetentionIsRefusedNotRecomputedFromWhatIsLeft() throws Exception {
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        String type = Fixtures.unique("old") + ".request";
        Instant old = Instant.now().minus(Duration.ofDays(401)).truncatedTo(ChronoUnit.HOURS);
        try (java.sql.Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (var ps = c.prepareStatement("INSERT INTO usage_events (customer_id, source, event_id, type, time, env, data, ingested_at) "
                    + "VALUES (?, 'petstore-gateway', 'ancient', ?, ?, 'live', '{}'::jsonb, ?)")) {
                ps.setString(1, customer);
                ps.setString(2, type);
                ps.setTimestamp(3, java.sql.Timestamp.from(old.plusSeconds(60)));
                ps.setTimestamp(4, java.sql.Timestamp.from(old.plusSeconds(61)));
                ps.executeUpdate();
            }
            String body = "{\"original\": {\"source\": \"petstore-gateway\", \"id\": \"ancient\"}, \"action\": \"void\", \"reason\": \"x\"}";
            var correction = new dev.apimon.usage.aggregation.domain.LogEvent(customer, "petstore-gateway", "void-ancient",
                    "com.apimon.usage.correction", Instant.now(), "live", Fixtures.JSON.readTree(body), body,
                    new dev.apimon.usage.ingest.domain.EventKey(customer, "petstore-gateway", "ancient"), Instant.now());
            var outcome = aggregation.apply(c, List.of(correction), meters.all(c, true));
            c.rollback();
            assertTrue(outcome.deadLetters().get(0).contains("past the raw log's retention"), outcome.deadLetters().toString());
        }
    }

    @Test
    void aReplacementAMeterCannotMeasureCountsAsVoidForThatMeterAndIsReported() {
        String p = Fixtures.unique("repl");
        String type = p + ".request";
        String gb = p + "_gb", calls = p + "_calls";
        Fixtures.createMeter(meter(gb, type, "sum", "$.gb", null, null));
        Fixtures.createMeter(meter(calls, type, "count", null, null, null));
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        Instant h = Fixtures.hoursAgo(6);
        Instant end = h.plus(1, ChronoUnit.HOURS);
        ingest(batch(event("a", customer, h.plusSeconds(5), type, "{\"gb\": 5}"), event("b", customer, h.plusSeconds(6), type, "{\"gb\": 2}")))
                .then().statusCode(202);
        awaitUsage(gb, customer, h, end, "hour", null, List.of("7"));
        // ingest refuses this correction once the original is logged (IngestApiTest); published directly, it stands for
        // one ingested while its original was still on its way to the raw log
        Fixtures.publish(KafkaResource.bootstrapServers(), "usage.events", customer, "{\"original\": {\"source\": \"petstore-gateway\", "
                + "\"id\": \"a\"}, \"action\": \"replace\", \"reason\": \"size unknown\", \"data\": {\"note\": \"lost\"}}",
                "ce_id", "fix", "ce_source", "petstore-gateway", "ce_type", "com.apimon.usage.correction", "ce_subject", customer,
                "ce_time", Instant.now().toString());
        awaitUsage(gb, customer, h, end, "hour", null, List.of("2"));
        awaitUsage(calls, customer, h, end, "hour", null, List.of("2"));
        var dead = Fixtures.await("the correction's dead letter", Duration.ofSeconds(20),
                () -> Fixtures.read(KafkaResource.bootstrapServers(), "apimon.dead-letter", r -> customer.equals(r.key())), l -> l.size() == 1);
        assertEquals("fix", Fixtures.header(dead.get(0), "ce_id"));
        assertTrue(Fixtures.header(dead.get(0), "dead-letter-reason").contains("void for meter '" + gb + "'"),
                Fixtures.header(dead.get(0), "dead-letter-reason"));
    }
}
