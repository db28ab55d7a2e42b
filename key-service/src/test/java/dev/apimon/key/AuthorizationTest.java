package dev.apimon.key;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;

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
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every endpoint against every kind of caller: anonymous → 401; a customer token → 403 on admin endpoints; a customer
 * reads only its own customer, keys, audit, subscription and history (another customer's answers 404).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class AuthorizationTest {
    static final String ALICE = "cus_demo_alice";
    static final String BOB = "cus_demo_bob";
    static final String PLAN = "authz";

    @Inject
    AgroalDataSource db;

    @BeforeEach
    void aliceAndBobHaveSubscriptions() {
        Db.demoCustomers(db);
        TestKafka.publishPlan(PLAN, 1, "published", "USD", "9.00", List.of("GET /pets/**"));
        TestKafka.publishPlan(PLAN, 2, "published", "USD", "19.00", List.of("GET /pets/**"));
        Db.awaitPlan(db, PLAN, 2, "published");
        for (String cus : List.of(ALICE, BOB)) {
            if (Db.count(db, "SELECT count(*) FROM subscriptions WHERE customer_id = ?", cus) == 0) {
                given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("plan_code", PLAN, "plan_version", 1))
                        .post("/v1/customers/" + cus + "/subscription").then().statusCode(201);
            }
        }
    }

    /** Admin-only endpoints, aimed at alice's own data. */
    static Stream<Arguments> adminEndpoints() {
        String sub = "/v1/customers/" + ALICE + "/subscription";
        return Stream.of(
                Arguments.of("POST", "/v1/customers", Map.of("name", "x", "currency", "USD")),
                Arguments.of("GET", "/v1/customers", null),
                Arguments.of("PUT", "/v1/customers/" + ALICE, Map.of("name", "Mallory", "currency", "USD")),
                Arguments.of("PATCH", "/v1/customers/" + ALICE, Map.of("name", "Mallory")),
                Arguments.of("POST", "/v1/customers/" + ALICE + "/archive", Map.of()),
                Arguments.of("POST", sub, Map.of("plan_code", PLAN)),
                Arguments.of("POST", sub + "/change", Map.of("plan_code", PLAN, "plan_version", 2)),
                Arguments.of("DELETE", sub + "/scheduled-change", null),
                Arguments.of("POST", sub + "/cancel", Map.of()),
                Arguments.of("POST", sub + "/reactivate", Map.of()),
                Arguments.of("POST", sub + "/suspend", Map.of()),
                Arguments.of("POST", sub + "/resume", Map.of()),
                Arguments.of("POST", "/v1/plans/" + PLAN + "/versions/1/migrations", Map.of("to_version", 2)));
    }

    private static io.restassured.response.Response call(RequestSpecification spec, String method, String path, Object body) {
        RequestSpecification s = body == null ? spec : spec.contentType(ContentType.JSON).body(body);
        return s.request(method, path);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("adminEndpoints")
    void adminEndpoints_anonymous401_customers403(String method, String path, Object body) {
        call(given(), method, path, body).then().statusCode(401);
        call(given().auth().oauth2(Tokens.alice()), method, path, body).then().statusCode(403).contentType("application/problem+json");
        call(given().auth().oauth2(Tokens.bob()), method, path, body).then().statusCode(403);
        // nothing changed for alice
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + ALICE + "/subscription").then()
                .body("status", equalTo("active")).body("plan.version", equalTo(1)).body("cancel_at_period_end", equalTo(false));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + ALICE).then().body("name", equalTo("Alice Inc"))
                .body("status", equalTo("active"));
    }

    static Stream<Arguments> ownReads() {
        return Stream.of(
                Arguments.of("/v1/customers/%s"),
                Arguments.of("/v1/customers/%s/subscription"),
                Arguments.of("/v1/customers/%s/subscription/history"),
                Arguments.of("/v1/customers/%s/keys"),
                Arguments.of("/v1/customers/%s/key-audit"));
    }

    @ParameterizedTest(name = "GET {0}")
    @MethodSource("ownReads")
    void aCustomerReadsOnlyItsOwnData(String template) {
        given().get(String.format(template, ALICE)).then().statusCode(401);
        given().auth().oauth2(Tokens.alice()).get(String.format(template, ALICE)).then().statusCode(200);
        given().auth().oauth2(Tokens.bob()).get(String.format(template, BOB)).then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).get(String.format(template, BOB)).then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(Tokens.bob()).get(String.format(template, ALICE)).then().statusCode(404);
        given().auth().oauth2(Tokens.admin()).get(String.format(template, BOB)).then().statusCode(200);
    }

    @Test
    void aCustomerSeesItsOwnSubscriptionAndHistory_neverAnothers() {
        given().auth().oauth2(Tokens.alice()).get("/v1/customers/" + ALICE + "/subscription").then().statusCode(200)
                .body("customer_id", equalTo(ALICE)).body("plan.code", equalTo(PLAN));
        given().auth().oauth2(Tokens.alice()).get("/v1/customers/" + ALICE + "/subscription/history").then().statusCode(200)
                .body("data.customer_id", everyItem(equalTo(ALICE)));
        given().auth().oauth2(Tokens.bob()).get("/v1/customers/" + ALICE + "/subscription/history").then().statusCode(404);
    }

    @Test
    void aCustomerManagesOnlyItsOwnKeys() {
        String aliceKey = given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(Map.of("name", "mine"))
                .post("/v1/customers/" + ALICE + "/keys").then().statusCode(201).extract().path("id");
        given().auth().oauth2(Tokens.bob()).get("/v1/keys/" + aliceKey).then().statusCode(404);
        given().auth().oauth2(Tokens.bob()).contentType(ContentType.JSON).body(Map.of()).post("/v1/keys/" + aliceKey + "/rotate").then().statusCode(404);
        given().auth().oauth2(Tokens.bob()).delete("/v1/keys/" + aliceKey).then().statusCode(404);
        given().auth().oauth2(Tokens.bob()).contentType(ContentType.JSON).body(Map.of("name", "sneaky"))
                .post("/v1/customers/" + ALICE + "/keys").then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).get("/v1/keys/" + aliceKey).then().statusCode(200).body("status", equalTo("active"));
    }
}
