package dev.apimon.usage.events;

import static dev.apimon.usage.support.Fixtures.batch;
import static dev.apimon.usage.support.Fixtures.event;
import static dev.apimon.usage.support.Fixtures.ingest;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import dev.apimon.usage.events.store.RetentionJob;
import dev.apimon.usage.ingest.domain.EventKey;
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
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class EventLogTest {
    @Inject
    AgroalDataSource db;
    @Inject
    RetentionJob retention;

    @Test
    void theRawLogIsQueryablePerCustomerAndTimeRangeInPages() {
        String type = Fixtures.unique("log") + ".request";
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        Instant h = Fixtures.hoursAgo(10);
        // sent out of order; listed by event time
        ingest(batch(event("e3", customer, h.plusSeconds(300), type, "{\"n\": 3}"), event("e1", customer, h.plusSeconds(100), type, "{\"n\": 1}"),
                event("e5", customer, h.plusSeconds(3700), type, "{\"n\": 5}"), event("e2", customer, h.plusSeconds(200), type, "{\"n\": 2}"),
                event("e4", customer, h.plusSeconds(400), type, "{\"n\": 4}"))).then().statusCode(202);
        Fixtures.await("five events logged", Duration.ofSeconds(20),
                () -> Fixtures.count(db, "SELECT count(*) FROM usage_events WHERE customer_id = ?", customer), n -> n == 5);

        String cursor = given().auth().oauth2(Tokens.admin()).queryParam("customer_id", customer).queryParam("limit", 2)
                .get("/v1/events").then().statusCode(200).body("data.id", contains("e1", "e2"))
                .body("data[0].subject", equalTo(customer)).body("data[0].data.n", equalTo(1))
                .body("data[0].source", equalTo("petstore-gateway")).body("data[0].type", equalTo(type))
                .body("data[0].time", equalTo(h.plusSeconds(100).toString())).body("data[0].env", equalTo("live"))
                .extract().path("next_cursor");
        cursor = given().auth().oauth2(Tokens.admin()).queryParam("customer_id", customer).queryParam("limit", 2).queryParam("cursor", cursor)
                .get("/v1/events").then().statusCode(200).body("data.id", contains("e3", "e4")).extract().path("next_cursor");
        given().auth().oauth2(Tokens.admin()).queryParam("customer_id", customer).queryParam("limit", 2).queryParam("cursor", cursor)
                .get("/v1/events").then().statusCode(200).body("data.id", contains("e5")).body("next_cursor", nullValue());
        // [from, to)
        given().auth().oauth2(Tokens.admin()).queryParam("customer_id", customer).queryParam("from", h.plusSeconds(200).toString())
                .queryParam("to", h.plusSeconds(400).toString()).get("/v1/events").then().statusCode(200).body("data.id", contains("e2", "e3"));
        given().auth().oauth2(Tokens.admin()).get("/v1/events").then().statusCode(400).body("errors[0].field", equalTo("customer_id"));
        given().auth().oauth2(Tokens.admin()).queryParam("customer_id", customer).queryParam("cursor", "garbage!")
                .get("/v1/events").then().statusCode(400).body("errors[0].field", equalTo("cursor"));
        String forged = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("+1000000000-01-01T00:00:00Z|1".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        given().auth().oauth2(Tokens.admin()).queryParam("customer_id", customer).queryParam("cursor", forged)
                .get("/v1/events").then().statusCode(400).body("errors[0].field", equalTo("cursor"));
        // a year JDBC cannot bind (OffsetDateTime reads it) is bad input, not a 500
        given().auth().oauth2(Tokens.admin()).queryParam("customer_id", customer).queryParam("to", "+999999999-12-31T00:00:00Z")
                .get("/v1/events").then().statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo("to"));
        given().auth().oauth2(Tokens.alice()).queryParam("customer_id", customer).get("/v1/events").then().statusCode(403);
    }

    @Test
    void aCustomerReadsItsOwnRawLogOnly_aWriterAndAnAnonymousCallerReadNone() {
        String p = Fixtures.unique("own");
        String type = p + ".request";
        Fixtures.ensureCustomer(db, "cus_demo_alice");
        Fixtures.ensureCustomer(db, "cus_demo_bob");
        Instant h = Fixtures.hoursAgo(30).plusSeconds(7);
        ingest(batch(event(p + "-a1", "cus_demo_alice", h, type, "{}"), event(p + "-b1", "cus_demo_bob", h, type, "{}"),
                event(p + "-a2", "cus_demo_alice", h.plusSeconds(1), type, "{}"))).then().statusCode(202).body("accepted", equalTo(3));
        Fixtures.await("three events logged", Duration.ofSeconds(20),
                () -> Fixtures.count(db, "SELECT count(*) FROM usage_events WHERE event_id LIKE ?", p + "-%"), n -> n == 3);
        String from = h.toString();
        String to = h.plusSeconds(2).toString();

        // alice without customer_id: her own events, bob's is not among them (other tests' events for her may be)
        given().auth().oauth2(Tokens.alice()).queryParam("from", from).queryParam("to", to).get("/v1/events").then().statusCode(200)
                .body("data.id", hasItems(p + "-a1", p + "-a2")).body("data.id", not(hasItem(p + "-b1")))
                .body("data.subject", everyItem(equalTo("cus_demo_alice")));
        given().auth().oauth2(Tokens.alice()).queryParam("customer_id", "cus_demo_alice").queryParam("from", from).queryParam("to", to)
                .get("/v1/events").then().statusCode(200).body("data.id", hasItems(p + "-a1", p + "-a2"));
        given().auth().oauth2(Tokens.bob()).queryParam("from", from).queryParam("to", to).get("/v1/events").then().statusCode(200)
                .body("data.id", hasItem(p + "-b1")).body("data.subject", everyItem(equalTo("cus_demo_bob")));
        given().auth().oauth2(Tokens.alice()).queryParam("customer_id", "cus_demo_bob").get("/v1/events").then().statusCode(403)
                .contentType("application/problem+json");
        // the gateway's writer token sends events; it reads neither the raw log nor usage
        given().auth().oauth2(Fixtures.writer()).queryParam("customer_id", "cus_demo_alice").get("/v1/events").then().statusCode(403);
        given().auth().oauth2(Fixtures.writer()).queryParam("customer_id", "cus_demo_alice").queryParam("from", from).queryParam("to", to)
                .get("/v1/meters/any/usage").then().statusCode(403);
        given().queryParam("customer_id", "cus_demo_alice").get("/v1/events").then().statusCode(401);
        given().queryParam("from", from).queryParam("to", to).get("/v1/meters/any/usage").then().statusCode(401);
    }

    @Test
    void theDatabaseKeepsTheRawLogAppendOnly() throws Exception {
        String type = Fixtures.unique("immutable") + ".request";
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        ingest(batch(event("kept-1", customer, Fixtures.hoursAgo(3), type, "{\"n\": 1}"))).then().statusCode(202);
        Fixtures.await("the event logged", Duration.ofSeconds(20),
                () -> Fixtures.count(db, "SELECT count(*) FROM usage_events WHERE customer_id = ?", customer), n -> n == 1);
        for (String sql : new String[] {
                "UPDATE usage_events SET data = '{\"n\": 2}' WHERE customer_id = '" + customer + "'",
                "DELETE FROM usage_events WHERE customer_id = '" + customer + "'",
                "TRUNCATE usage_events"}) {
            try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
                java.sql.SQLException e = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class, () -> st.execute(sql), sql);
                assertTrue(e.getMessage().contains("append-only"), e.getMessage());
            }
        }
        given().auth().oauth2(Tokens.admin()).queryParam("customer_id", customer).get("/v1/events").then().statusCode(200)
                .body("data.id", contains("kept-1")).body("data[0].data.n", equalTo(1));
    }

    @Test
    void retentionPurgesExpiredClaimsAndEventsOnly() throws Exception {
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO dedup_ledger VALUES ('" + new EventKey(customer, "gw", "old").ledgerKey() + "', now() - interval '37 days'), "
                    + "('" + new EventKey(customer, "gw", "recent").ledgerKey() + "', now() - interval '34 days')");
            st.execute("INSERT INTO usage_events (customer_id, source, event_id, type, time, env, data, ingested_at) VALUES "
                    + "('" + customer + "', 'gw', 'old', 't', now() - interval '402 days', 'live', '{}', now() - interval '401 days'), "
                    + "('" + customer + "', 'gw', 'kept', 't', now() - interval '399 days', 'live', '{}', now() - interval '399 days')");
        }
        RetentionJob.Purged purged = retention.purge();
        assertTrue(purged.ledgerClaims() >= 1 && purged.events() >= 1, purged.toString());
        assertEquals(1, Fixtures.count(db, "SELECT count(*) FROM dedup_ledger WHERE key = ?", new EventKey(customer, "gw", "recent").ledgerKey()));
        assertEquals(0, Fixtures.count(db, "SELECT count(*) FROM dedup_ledger WHERE key = ?", new EventKey(customer, "gw", "old").ledgerKey()));
        assertEquals(1, Fixtures.count(db, "SELECT count(*) FROM usage_events WHERE customer_id = ? AND event_id = 'kept'", customer));
        assertEquals(0, Fixtures.count(db, "SELECT count(*) FROM usage_events WHERE customer_id = ? AND event_id = 'old'", customer));
    }

    @Test
    void aRecordOlderThanTheRawLogRetentionIsNotCountedButDeadLettered() throws Exception {
        String type = Fixtures.unique("ancient") + ".request";
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        Fixtures.createMeter("{\"slug\": \"" + Fixtures.unique("anc") + "\", \"event_type\": \"" + type + "\", \"aggregation\": \"count\"}");
        RecordHeaders h = new RecordHeaders();
        Instant old = Instant.now().minus(450, ChronoUnit.DAYS);
        for (String[] kv : new String[][] {{"ce_id", "ancient-1"}, {"ce_source", "gw"}, {"ce_type", type}, {"ce_subject", customer},
                {"ce_time", old.toString()}, {"apimon_env", "live"}}) {
            h.add(kv[0], kv[1].getBytes());
        }
        try (var p = Fixtures.producer(KafkaResource.bootstrapServers())) {
            p.send(new ProducerRecord<>("usage.events", null, old.toEpochMilli(), customer, "{}".getBytes(), h)).get(10, TimeUnit.SECONDS);
        }
        var dead = Fixtures.await("dead letter of the ancient record", Duration.ofSeconds(20),
                () -> Fixtures.read(KafkaResource.bootstrapServers(), "apimon.dead-letter", r -> customer.equals(r.key())), l -> l.size() == 1);
        assertTrue(Fixtures.header(dead.get(0), "dead-letter-reason").contains("older than the raw-log retention"));
        assertEquals(0, Fixtures.count(db, "SELECT count(*) FROM usage_events WHERE customer_id = ?", customer));
    }
}
