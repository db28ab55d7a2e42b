package dev.apimon.key.keys;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** No plaintext key anywhere: not in any table (outbox, audit, idempotency included), not on Kafka, not in the log. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class NoPlaintextKeyTest {
    @Inject
    AgroalDataSource db;

    @Test
    void thePlaintextKeyIsNeitherStoredNorPublishedNorLogged() {
        List<String> logged = Collections.synchronizedList(new ArrayList<>());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                String formatted = r instanceof org.jboss.logmanager.ExtLogRecord e ? e.getFormattedMessage() : r.getMessage();
                logged.add(formatted + " " + r.getMessage() + " " + java.util.Arrays.toString(r.getParameters()) + " " + r.getThrown());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        List<String> secrets = new ArrayList<>();
        String cus;
        try {
            cus = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", "np-" + System.nanoTime())
                    .body(Map.of("name", "Secretive", "currency", "USD")).post("/v1/customers").then().statusCode(201).extract().path("id");
            Map<String, Object> k = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                    .body(Map.of("name", "prod", "env", "live")).post("/v1/customers/" + cus + "/keys").then().statusCode(201)
                    .extract().as(Map.class);
            secrets.add((String) k.get("key"));
            Map<String, Object> rotated = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("grace_period", "PT1M"))
                    .post("/v1/keys/" + k.get("id") + "/rotate").then().statusCode(200).extract().as(Map.class);
            secrets.add((String) rotated.get("key"));
            Map<String, Object> test = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                    .body(Map.of("name", "ci", "env", "test")).post("/v1/customers/" + cus + "/keys").then().statusCode(201)
                    .extract().as(Map.class);
            secrets.add((String) test.get("key"));
            given().auth().oauth2(Tokens.admin()).delete("/v1/keys/" + rotated.get("id")).then().statusCode(200);
            given().auth().oauth2(Tokens.admin()).post("/v1/customers/" + cus + "/archive").then().statusCode(200);
            TestKafka.byKey("keys.events", cus, 4);
        } finally {
            root.removeHandler(capture);
        }
        assertEquals(3, secrets.size());

        List<String> tables = new ArrayList<>();
        try (var c = db.getConnection(); var rs = c.getMetaData().getTables(null, "public", "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                tables.add(rs.getString("TABLE_NAME"));
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        assertTrue(tables.containsAll(List.of("api_keys", "key_audit", "outbox", "idempotency_keys", "subscription_history")), tables.toString());
        List<ConsumerRecord<String, String>> events = TestKafka.byKey("keys.events", cus, 4);
        assertFalse(events.isEmpty());
        for (String key : secrets) {
            String secretPart = key.substring("sk_live_".length()); // the random body and checksum, without the public prefix
            for (String t : tables) {
                assertEquals(0, Db.count(db, "SELECT count(*) FROM \"" + t + "\" x WHERE x::text LIKE ?", "%" + secretPart + "%"),
                        "table " + t + " holds a plaintext key");
            }
            for (ConsumerRecord<String, String> r : events) {
                assertFalse(r.value().contains(secretPart), "keys.events carries a plaintext key");
            }
            for (String line : logged) {
                assertFalse(line.contains(secretPart), "the log holds a plaintext key: " + line);
            }
        }
        assertTrue(logged.stream().anyMatch(l -> l.contains("issued for " + cus)), "the capture saw the service's key log lines");
    }
}
