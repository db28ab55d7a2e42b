package dev.apimon.key.customers;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Update (PUT / merge PATCH), archive (keys stop working, subscription ends) and Idempotency-Key on creation. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class CustomerLifecycleTest {
    @Inject
    AgroalDataSource db;

    private String create(String externalId) {
        return given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("external_id", externalId, "name", "Lifecycle " + externalId, "email", "a@b.test", "currency", "USD",
                        "attributes", Map.of("region", "GB", "industry", "retail")))
                .post("/v1/customers").then().statusCode(201).extract().path("id");
    }

    private io.restassured.response.ValidatableResponse patch(String id, Object body) {
        return given().auth().oauth2(Tokens.admin()).contentType("application/merge-patch+json").body(body)
                .patch("/v1/customers/" + id).then();
    }

    @Test
    void mergePatchChangesOnlyWhatItNames_andPublishesCustomerUpdated() {
        String id = create("p-" + System.nanoTime());
        Map<String, Object> attrs = new HashMap<>();
        attrs.put("industry", null);
        attrs.put("size", "50-200");
        patch(id, Map.of("name", "Renamed Ltd", "attributes", attrs)).statusCode(200)
                .body("name", equalTo("Renamed Ltd")).body("email", equalTo("a@b.test"))
                .body("attributes.region", equalTo("GB")).body("attributes.size", equalTo("50-200"))
                .body("attributes", not(hasKey("industry")));
        Map<String, Object> clearEmail = new HashMap<>();
        clearEmail.put("email", null);
        patch(id, clearEmail).statusCode(200).body("email", nullValue());
        patch(id, Map.of("name", "Renamed Ltd")).statusCode(200); // nothing changes: no event

        List<ConsumerRecord<String, String>> events = TestKafka.byKey("customers.events", id, 3);
        assertEquals(List.of("com.apimon.customer.created", "com.apimon.customer.updated", "com.apimon.customer.updated"),
                events.stream().map(r -> TestKafka.header(r, "ce_type")).toList());
        assertEquals(3, TestKafka.byKey("customers.events", id, 4).size(), "a no-op patch publishes nothing");
        JsonNode last = TestKafka.json(events.get(2));
        assertEquals("Renamed Ltd", last.get("name").asText());
        assertTrue(last.get("email").isNull());
        assertEquals("50-200", last.at("/attributes/size").asText());
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + id).then().body("name", equalTo("Renamed Ltd"));
    }

    @Test
    void putReplacesEveryField_andBadInputNamesTheField() {
        String id = create("put-" + System.nanoTime());
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "Replaced", "currency", "EUR")).put("/v1/customers/" + id).then().statusCode(200)
                .body("external_id", nullValue()).body("email", nullValue()).body("currency", equalTo("EUR"))
                .body("attributes.size()", equalTo(0));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("name", "", "currency", "EURO"))
                .put("/v1/customers/" + id).then().statusCode(400).body("errors.field", hasItem("name")).body("errors.field", hasItem("currency"));
        Map<String, Object> nullName = new HashMap<>();
        nullName.put("name", null);
        patch(id, nullName).statusCode(400).body("errors[0].field", equalTo("name"));
        patch(id, Map.of("status", "archived", "colour", "red", "attributes", Map.of("x", List.of(1)))).statusCode(400)
                .body("errors.field", hasItem("status")).body("errors.field", hasItem("colour")).body("errors.field", hasItem("attributes.x"));
        patch(id, Map.of("email", "nope")).statusCode(400).body("errors[0].field", equalTo("email"));
        patch("cus_missing", Map.of("name", "x")).statusCode(404);
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + id).then().body("name", equalTo("Replaced"));
    }

    @Test
    void externalIdStaysUnique() {
        String taken = "uniq-" + System.nanoTime();
        create(taken);
        String other = create("other-" + System.nanoTime());
        patch(other, Map.of("external_id", taken)).statusCode(409).body("code", equalTo("EXTERNAL_ID_TAKEN"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("external_id", taken, "name", "n", "currency", "USD"))
                .put("/v1/customers/" + other).then().statusCode(409);
        patch(other, Map.of("external_id", "free-" + System.nanoTime())).statusCode(200);
    }

    @Test
    void currencyIsLockedWhileASubscriptionIsLive() {
        String plan = "cur" + System.nanoTime();
        TestKafka.publishPlan(plan, 1, "published", "USD", "10.00", List.of());
        Db.awaitPlan(db, plan, 1, "published");
        String id = create("cur-" + System.nanoTime());
        patch(id, Map.of("currency", "EUR")).statusCode(200);
        patch(id, Map.of("currency", "USD")).statusCode(200);
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("plan_code", plan))
                .post("/v1/customers/" + id + "/subscription").then().statusCode(201);
        patch(id, Map.of("currency", "EUR")).statusCode(409).body("code", equalTo("CURRENCY_LOCKED"));
    }

    @Test
    void archivingRevokesEveryKey_cancelsTheSubscription_andPublishesAllThreeInOneGo() {
        String plan = "arc" + System.nanoTime();
        TestKafka.publishPlan(plan, 1, "published", "USD", "10.00", List.of("GET /pets/**"));
        Db.awaitPlan(db, plan, 1, "published");
        String id = create("arc-" + System.nanoTime());
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("plan_code", plan))
                .post("/v1/customers/" + id + "/subscription").then().statusCode(201);
        String k1 = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("name", "live"))
                .post("/v1/customers/" + id + "/keys").then().statusCode(201).extract().path("id");
        String k2 = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("name", "test", "env", "test"))
                .post("/v1/customers/" + id + "/keys").then().statusCode(201).extract().path("id");

        given().auth().oauth2(Tokens.admin()).header("X-Forwarded-For", "198.51.100.4").post("/v1/customers/" + id + "/archive").then()
                .statusCode(200).body("status", equalTo("archived"));
        given().auth().oauth2(Tokens.admin()).post("/v1/customers/" + id + "/archive").then().statusCode(200).body("status", equalTo("archived"));

        given().auth().oauth2(Tokens.admin()).get("/v1/keys/" + k1).then().body("status", equalTo("revoked"));
        given().auth().oauth2(Tokens.admin()).get("/v1/keys/" + k2).then().body("status", equalTo("revoked"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + id + "/subscription").then().body("status", equalTo("canceled"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + id + "/key-audit").then()
                .body("data.findAll { it.action == 'revoked' }.size()", equalTo(2))
                .body("data.findAll { it.action == 'revoked' }[0].details.reason", equalTo("customer_archived"))
                .body("data.findAll { it.action == 'revoked' }[0].source_ip", equalTo("198.51.100.4"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("name", "more"))
                .post("/v1/customers/" + id + "/keys").then().statusCode(409).body("code", equalTo("CUSTOMER_ARCHIVED"));
        patch(id, Map.of("name", "x")).statusCode(409).body("code", equalTo("CUSTOMER_ARCHIVED"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("plan_code", plan))
                .post("/v1/customers/" + id + "/subscription").then().statusCode(409).body("code", equalTo("CUSTOMER_ARCHIVED"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers?status=archived&limit=500").then().body("data.id", hasItem(id));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers?status=gone").then().statusCode(400).body("errors[0].field", equalTo("status"));

        // what quota-service reads: the latest keys.events snapshot has every key revoked, the subscription is canceled
        List<ConsumerRecord<String, String>> keyEvents = TestKafka.byKey("keys.events", id, 3);
        ConsumerRecord<String, String> lastKeys = keyEvents.get(keyEvents.size() - 1);
        assertEquals("com.apimon.key.revoked", TestKafka.header(lastKeys, "ce_type"));
        JsonNode keys = TestKafka.json(lastKeys).get("keys");
        assertEquals(2, keys.size());
        keys.forEach(k -> assertFalse(k.get("revoked_at").isNull(), k.toString()));
        List<ConsumerRecord<String, String>> subs = TestKafka.byKey("subscriptions.events", id, 2);
        assertEquals("com.apimon.subscription.canceled", TestKafka.header(subs.get(subs.size() - 1), "ce_type"));
        List<ConsumerRecord<String, String>> customers = TestKafka.byKey("customers.events", id, 2);
        assertEquals(2, customers.size(), "archiving twice publishes once");
        assertEquals("com.apimon.customer.archived", TestKafka.header(customers.get(1), "ce_type"));
        assertEquals("archived", TestKafka.json(customers.get(1)).get("status").asText());
    }

    @Test
    void idempotencyKeyReturnsTheFirstResult_andStoresOneCustomer() {
        String name = "Idem " + System.nanoTime();
        String key = "create-" + System.nanoTime();
        Map<String, Object> body = Map.of("name", name, "currency", "USD", "attributes", Map.of("a", "1", "b", "2"));
        String id = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/v1/customers").then().statusCode(201).extract().path("id");
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body("{\"attributes\": {\"b\": \"2\", \"a\": \"1\"}, \"currency\": \"USD\", \"name\": \"" + name + "\"}")
                .post("/v1/customers").then().statusCode(201).header("Idempotent-Replayed", "true").body("id", equalTo(id))
                .body("name", equalTo(name));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(Map.of("name", name + " changed", "currency", "USD")).post("/v1/customers").then().statusCode(422)
                .contentType("application/problem+json").body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", "x".repeat(300)).body(body)
                .post("/v1/customers").then().statusCode(400).body("errors[0].field", equalTo("Idempotency-Key"));
        assertEquals(1, Db.count(db, "SELECT count(*) FROM customers WHERE name = ?", name));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(body).post("/v1/customers").then().statusCode(201)
                .body("id", not(equalTo(id)));
    }
}
