package dev.apimon.rating.catalog;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.rating.TestPlans;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
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
class PlanResourceTest {

    private int draft(Map<String, Object> plan) {
        return given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(plan).post("/v1/plans")
                .then().statusCode(201).body("status", equalTo("draft")).extract().path("version");
    }

    @Test
    void draftsGetSuccessiveVersions_publishedVersionsAreImmutable() {
        String code = "pro-" + System.nanoTime();
        assertEquals(1, draft(TestPlans.pro(code)));
        assertEquals(2, draft(TestPlans.pro(code)));
        given().auth().oauth2(Tokens.admin()).post("/v1/plans/" + code + "/versions/1/publish").then().statusCode(200)
                .body("status", equalTo("published")).body("version", equalTo(1));
        Map<String, Object> changed = new HashMap<>(TestPlans.pro(code));
        changed.put("fee", "59.00");
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(changed).put("/v1/plans/" + code + "/versions/1")
                .then().statusCode(409).contentType("application/problem+json").body("code", equalTo("PLAN_VERSION_IMMUTABLE"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(changed).put("/v1/plans/" + code + "/versions/2")
                .then().statusCode(200).body("fee", equalTo("59.00"));
        given().auth().oauth2(Tokens.admin()).get("/v1/plans/" + code + "/versions/1").then().statusCode(200)
                .body("fee", equalTo("49.00"))
                .body("charges[0].tiers[1].unit_amount", equalTo("0.005"))
                .body("charges[1].containsKey('tiers')", equalTo(false));
    }

    @Test
    void customersSeePublishedVersionsOnly() {
        String code = "vis-" + System.nanoTime();
        draft(TestPlans.pro(code));
        draft(TestPlans.pro(code));
        given().auth().oauth2(Tokens.admin()).post("/v1/plans/" + code + "/versions/1/publish").then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).get("/v1/plans?code=" + code).then().statusCode(200)
                .body("data.version", equalTo(List.of(1))).body("data.status", everyItem(equalTo("published")));
        given().auth().oauth2(Tokens.alice()).get("/v1/plans/" + code + "/versions/2").then().statusCode(404);
        given().auth().oauth2(Tokens.admin()).get("/v1/plans?code=" + code).then().body("data.version", equalTo(List.of(1, 2)));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(TestPlans.pro(code)).post("/v1/plans").then().statusCode(403);
        given().contentType(ContentType.JSON).body(TestPlans.pro(code)).post("/v1/plans").then().statusCode(401);
    }

    @Test
    void invalidPlansAre400sNamingEveryField_andNothingIsStored() {
        String code = "bad-" + System.nanoTime();
        Map<String, Object> bad = new HashMap<>(TestPlans.pro(code));
        bad.put("currency", "EURO");
        bad.put("charges", List.of(
                Map.of("meter", "api_calls", "model", "graduated", "tiers", List.of(
                        Map.of("up_to", 10000, "unit_amount", "0"), Map.of("up_to", 5000, "unit_amount", "0.01"))),
                Map.of("meter", "sms", "model", "package", "package_size", 0, "package_amount", "5.00"),
                Map.of("meter", "x", "model", "bogus")));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(bad).post("/v1/plans").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItem("currency"))
                .body("errors.field", hasItem("charges[0].tiers[1].up_to"))
                .body("errors.field", hasItem("charges[1].package_size"))
                .body("errors.field", hasItem("charges[2].model"));
        given().auth().oauth2(Tokens.admin()).get("/v1/plans?code=" + code).then().body("data", equalTo(List.of()));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("code", code, "fee", "abc"))
                .post("/v1/plans").then().statusCode(400).body("errors[0].field", equalTo("fee"));
    }

    @Test
    void publishingPutsTheVersionOnBillingCatalog() throws Exception {
        String code = "cat-" + System.nanoTime();
        draft(TestPlans.pro(code));
        given().auth().oauth2(Tokens.admin()).post("/v1/plans/" + code + "/versions/1/publish").then().statusCode(200);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "t-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("billing.catalog"));
            ConsumerRecord<String, String> found = null;
            long deadline = System.currentTimeMillis() + 20_000;
            while (found == null && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) {
                    if ((code + ":1").equals(r.key())) {
                        found = r;
                    }
                }
            }
            assertNotNull(found, "billing.catalog has no " + code + ":1");
            assertEquals("com.apimon.plan.published", new String(found.headers().lastHeader("ce_type").value(), StandardCharsets.UTF_8));
            JsonNode doc = new ObjectMapper().readTree(found.value());
            assertEquals("published", doc.get("status").asText());
            assertEquals("49.00", doc.get("fee").asText());
            assertEquals(50000, doc.get("quotas").get(0).get("limit").asInt());
        }
        given().auth().oauth2(Tokens.admin()).post("/v1/plans/" + code + "/versions/1/archive").then().statusCode(200)
                .body("status", equalTo("archived"));
        given().auth().oauth2(Tokens.admin()).post("/v1/plans/" + code + "/versions/9/publish").then().statusCode(404)
                .body("status", not(equalTo(500)));
    }
}
