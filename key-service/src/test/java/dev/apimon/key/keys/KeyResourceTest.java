package dev.apimon.key.keys;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.platform.keys.ApiKeys;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class KeyResourceTest {
    @Inject
    AgroalDataSource db;
    @Inject
    MutableClock clock;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    private String customer() {
        return given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "Keys Co", "currency", "USD")).post("/v1/customers")
                .then().statusCode(201).extract().path("id");
    }

    /** alice's token is bound to cus_demo_alice: make that customer exist here. */
    private void aliceCustomer() throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO customers (id, name, currency, created_at, updated_at) VALUES "
                    + "('cus_demo_alice', 'Alice Inc', 'USD', now(), now()) ON CONFLICT DO NOTHING");
        }
    }

    private Map<String, Object> issue(String customerId, String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("name", "prod gateway", "scopes", List.of("GET /pets/**"), "metadata", Map.of("team", "core")))
                .post("/v1/customers/" + customerId + "/keys")
                .then().statusCode(201).body("key", notNullValue()).extract().as(Map.class);
    }

    @Test
    void keyIsShownOnceAndOnlyItsHashIsStored() throws Exception {
        String cus = customer();
        Map<String, Object> created = issue(cus, Tokens.admin());
        String key = (String) created.get("key");
        assertTrue(ApiKeys.isWellFormed(key), key);
        assertTrue(key.startsWith((String) created.get("start")));
        assertEquals("active", created.get("status"));

        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/keys").then().statusCode(200)
                .body("data[0].id", equalTo(created.get("id"))).body("data[0].key", nullValue())
                .body("data[0].start", equalTo(created.get("start")));
        given().auth().oauth2(Tokens.admin()).get("/v1/keys/" + created.get("id")).then().statusCode(200).body("key", nullValue());

        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT * FROM api_keys WHERE id = ?")) {
            ps.setString(1, (String) created.get("id"));
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(ApiKeys.hash(key, "test-pepper-0123456789"), rs.getString("key_hash"));
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    String v = rs.getString(i);
                    assertFalse(v != null && v.contains(key.substring(12)), "column " + rs.getMetaData().getColumnName(i) + " holds the key");
                }
            }
        }
    }

    @Test
    void rotationKeepsTheOldKeyUntilTheGraceEnds() {
        String cus = customer();
        Map<String, Object> old = issue(cus, Tokens.admin());
        Map<String, Object> fresh = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("grace_period", "PT1H")).post("/v1/keys/" + old.get("id") + "/rotate")
                .then().statusCode(200).body("key", notNullValue()).body("status", equalTo("active")).extract().as(Map.class);
        given().auth().oauth2(Tokens.admin()).get("/v1/keys/" + old.get("id")).then()
                .body("status", equalTo("active")).body("rotated_to", equalTo(fresh.get("id")));
        clock.advance(Duration.ofMinutes(61));
        given().auth().oauth2(Tokens.admin()).get("/v1/keys/" + old.get("id")).then().body("status", equalTo("expired"));
        given().auth().oauth2(Tokens.admin()).get("/v1/keys/" + fresh.get("id")).then().body("status", equalTo("active"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("grace_period", "soon"))
                .post("/v1/keys/" + fresh.get("id") + "/rotate").then().statusCode(400).body("errors[0].field", equalTo("grace_period"));
    }

    @Test
    void revocationIsAuditedWithActorAndSource() {
        String cus = customer();
        Map<String, Object> k = issue(cus, Tokens.admin());
        given().auth().oauth2(Tokens.admin()).header("X-Forwarded-For", "203.0.113.7").delete("/v1/keys/" + k.get("id"))
                .then().statusCode(200).body("status", equalTo("revoked"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/key-audit").then().statusCode(200)
                .body("data.action", contains("created", "revoked"))
                .body("data[1].actor", equalTo("admin"))
                .body("data[1].source_ip", equalTo("203.0.113.7"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of())
                .post("/v1/keys/" + k.get("id") + "/rotate").then().statusCode(409);
    }

    @Test
    void auditLogIsAppendOnlyInTheDatabase() throws Exception {
        String cus = customer();
        issue(cus, Tokens.admin());
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                    () -> s.execute("UPDATE key_audit SET actor = 'mallory'"));
        }
    }

    @Test
    void customerManagesOnlyItsOwnKeys() throws Exception {
        aliceCustomer();
        Map<String, Object> own = issue("cus_demo_alice", Tokens.alice());
        given().auth().oauth2(Tokens.alice()).get("/v1/customers/cus_demo_alice/keys").then().statusCode(200)
                .body("data.id", hasItem(own.get("id")));
        String other = customer();
        Map<String, Object> foreign = issue(other, Tokens.admin());
        given().auth().oauth2(Tokens.alice()).get("/v1/customers/" + other + "/keys").then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(Map.of("name", "x"))
                .post("/v1/customers/" + other + "/keys").then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).get("/v1/keys/" + foreign.get("id")).then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).delete("/v1/keys/" + foreign.get("id")).then().statusCode(404);
        given().auth().oauth2(Tokens.bob()).get("/v1/keys/" + own.get("id")).then().statusCode(404);
        given().auth().oauth2(Tokens.admin()).get("/v1/keys/" + foreign.get("id")).then().statusCode(200)
                .body("status", not(equalTo("revoked")));
        given().get("/v1/customers/" + other + "/keys").then().statusCode(401);
    }

    @Test
    void badInputNamesTheField() {
        String cus = customer();
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "", "env", "prod", "expires_at", "2020-01-01T00:00:00Z"))
                .post("/v1/customers/" + cus + "/keys").then().statusCode(400)
                .body("errors.field", hasItem("name")).body("errors.field", hasItem("env")).body("errors.field", hasItem("expires_at"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("name", "a", "expires_at", "tomorrow"))
                .post("/v1/customers/" + cus + "/keys").then().statusCode(400).body("errors[0].field", equalTo("expires_at"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("name", "a"))
                .post("/v1/customers/cus_missing/keys").then().statusCode(404);
        // what Java reads but JDBC and PostgreSQL cannot take: 400s naming the field, never 500s
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("name", "a", "expires_at", "+999999999-12-31T00:00:00Z"))
                .post("/v1/customers/" + cus + "/keys").then().statusCode(400).body("errors[0].field", equalTo("expires_at"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body("{\"name\": \"k\\u0000\"}")
                .post("/v1/customers/" + cus + "/keys").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("name"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body("{\"name\": \"k\", \"metadata\": {\"a\": \"\\u0000\"}}")
                .post("/v1/customers/" + cus + "/keys").then().statusCode(400).contentType("application/problem+json");
    }
}
