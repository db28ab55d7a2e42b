package dev.apimon.key.customers;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class CustomerResourceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private String create(String externalId) {
        return given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("external_id", externalId, "name", "Acme " + externalId, "email", "ops@acme.test",
                        "currency", "EUR", "attributes", Map.of("region", "GB", "industry", "retail")))
                .post("/v1/customers")
                .then().statusCode(201)
                .body("id", startsWith("cus_"))
                .body("attributes.region", equalTo("GB"))
                .extract().path("id");
    }

    @Test
    void adminCreatesAndReadsCustomer_stored_in_postgres() {
        String id = create("ext-" + System.nanoTime());
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + id)
                .then().statusCode(200).body("id", equalTo(id)).body("currency", equalTo("EUR"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers?attribute=region:GB&limit=500")
                .then().statusCode(200).body("data.id", hasItem(id));
    }

    @Test
    void creationIsPublishedOnCustomersEvents_as_a_cloud_event() {
        String id = create("ext-ce-" + System.nanoTime());
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("customers.events"));
            ConsumerRecord<String, String> found = null;
            long deadline = System.currentTimeMillis() + 20_000;
            while (found == null && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (id.equals(r.key())) {
                        found = r;
                    }
                }
            }
            assertNotNull(found, "no customers.events record for " + id);
            assertEquals("com.apimon.customer.created", header(found, "ce_type"));
            assertEquals(id, header(found, "ce_subject"));
            assertEquals("1.0", header(found, "ce_specversion"));
            JsonNode body = JSON.readTree(found.value());
            assertEquals(id, body.get("id").asText());
            assertEquals("EUR", body.get("currency").asText());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void badInputIsA400ProblemNamingEachField_and_nothing_is_stored() {
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "", "currency", "XYZ", "email", "not-an-email"))
                .post("/v1/customers")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("code", equalTo("VALIDATION_FAILED"))
                .body("errors.field", hasItem("currency"))
                .body("errors.field", hasItem("name"))
                .body("errors.field", hasItem("email"));
    }

    @Test
    void malformedJsonIsA400Problem() {
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body("{\"name\": ")
                .post("/v1/customers")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("MALFORMED_JSON"));
    }

    @Test
    void duplicateExternalIdIsAConflict() {
        String ext = "dup-" + System.nanoTime();
        create(ext);
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("external_id", ext, "name", "Other", "currency", "USD"))
                .post("/v1/customers").then().statusCode(409).body("code", equalTo("EXTERNAL_ID_TAKEN"));
    }

    @Test
    void authorization_anonymous_401_customer_cannot_create_or_read_others() {
        given().contentType(ContentType.JSON).body(Map.of("name", "x", "currency", "USD"))
                .post("/v1/customers").then().statusCode(401);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(Map.of("name", "x", "currency", "USD"))
                .post("/v1/customers").then().statusCode(403).contentType("application/problem+json");
        String other = create("other-" + System.nanoTime());
        given().auth().oauth2(Tokens.alice()).get("/v1/customers/" + other).then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).get("/v1/customers").then().statusCode(403);
    }

    @Test
    void adminMayChooseTheIdOnce() {
        String id = "cus_fixed_" + System.nanoTime();
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("id", id, "name", "Chosen", "currency", "USD")).post("/v1/customers")
                .then().statusCode(201).body("id", equalTo(id));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("id", id, "name", "Again", "currency", "USD")).post("/v1/customers")
                .then().statusCode(409).body("code", equalTo("CUSTOMER_EXISTS"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("id", "alice", "name", "Bad", "currency", "USD")).post("/v1/customers")
                .then().statusCode(400).body("errors[0].field", equalTo("id"));
    }
}
