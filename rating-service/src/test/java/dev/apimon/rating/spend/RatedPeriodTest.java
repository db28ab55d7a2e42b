package dev.apimon.rating.spend;

import static dev.apimon.rating.KafkaEvents.subscribe;
import static dev.apimon.rating.KafkaEvents.usage;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.rating.KafkaEvents;
import dev.apimon.rating.TestPlans;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rated period invoice-service reads at close is final: the same bytes however often and whenever it is read. A
 * customer reads its own (the portal's pricing calculator), nobody else's.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class RatedPeriodTest {
    @Inject
    MutableClock clock;

    @AfterEach
    void reset() {
        clock.reset();
    }

    private static String rated(String cus, String query) {
        return given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/rated-periods?" + query)
                .then().statusCode(200).contentType(ContentType.JSON).extract().asString();
    }

    @Test
    void aClosedPeriodRatesToIdenticalJson_evenAfterItsCreditsWereBurntAndTimeMovedOn() throws Exception {
        clock.set(Instant.parse("2026-09-05T00:00:00Z"));
        Map<String, Object> plan = new HashMap<>(TestPlans.pro("rated-" + System.nanoTime()));
        plan.remove("credit_grant"); // only the prepaid wallet: the plan's period grant is PeriodGrantTest's
        String code = KafkaEvents.publish(plan);
        String cus = "cus_rated_" + System.nanoTime();
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("kind", "prepaid", "amount", "30.00", "currency", "USD")).post("/v1/customers/" + cus + "/credits")
                .then().statusCode(201);
        subscribe(cus, code, 1, "2026-09-01T00:00:00Z");
        usage(cus, "api_calls", "2026-09-10T09:00:00Z", "12000", 1, "live");
        usage(cus, "api_calls", "2026-09-29T23:00:00Z", "8000", 1, "live");
        usage(cus, "images", "2026-09-30T23:00:00Z", "30", 1, "live");

        clock.set(Instant.parse("2026-10-01T01:00:00Z"));
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/rated-periods?start=2026-09-01T00:00:00Z")
                        .then().statusCode(200).body("lines.find { it.meter == 'images' }.quantity", equalTo("30")));
        String first = rated(cus, "start=2026-09-01T00:00:00Z");
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/rated-periods?start=2026-09-01T00:00:00Z").then()
                .body("period_start", equalTo("2026-09-01T00:00:00Z")).body("period_end", equalTo("2026-10-01T00:00:00Z"))
                .body("lines.find { it.meter == 'api_calls' }.quantity", equalTo("20000"))
                .body("lines.find { it.meter == 'api_calls' }.amount", equalTo("50.00"))
                .body("lines.find { it.meter == 'images' }.amount", equalTo("3.00"))
                .body("subtotal", equalTo("102.00")).body("minimum_commitment_true_up", equalTo("0.00"))
                .body("credits_applied", equalTo("30.00")).body("total", equalTo("72.00"))
                .body("credits_remaining", equalTo("0.00"))
                .body("updated_at", equalTo("2026-10-01T00:00:00Z"));

        // invoice-service finalizes September: it burns the credits the rating applied
        clock.set(Instant.parse("2026-10-01T02:00:00Z"));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("amount", "30.00", "currency", "USD", "reference", "inv_sep_" + cus))
                .post("/v1/customers/" + cus + "/credits/consumptions").then().statusCode(200).body("consumed", equalTo("30.00"));
        clock.set(Instant.parse("2026-10-15T00:00:00Z"));

        assertEquals(first, rated(cus, "start=2026-09-01T00:00:00Z"));
        assertEquals(first, rated(cus, "period_start=2026-09-01T00:00:00Z"), "period_start is the same parameter");
        assertEquals(first, rated(cus, "start=2026-09-17T12:34:56Z"), "any instant of the period names it");
        // the burnt credits are gone for October
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/spend").then().statusCode(200)
                .body("period_start", equalTo("2026-10-01T00:00:00Z")).body("credits_applied", equalTo("0.00"))
                .body("credits_remaining", equalTo("0.00")).body("total", equalTo("100.00"));
    }

    @Test
    void aCustomerReadsItsOwnRatedPeriod_anotherCustomersIsNotFound_withoutATokenUnauthorized() throws Exception {
        // alice's token carries customer_id cus_demo_alice (the realm's demo user); August 2026 is long closed
        clock.set(Instant.parse("2026-08-05T00:00:00Z"));
        Map<String, Object> plan = new HashMap<>(TestPlans.pro("own-" + System.nanoTime()));
        plan.remove("credit_grant");
        String code = KafkaEvents.publish(plan);
        String alice = "cus_demo_alice";
        subscribe(alice, code, 1, "2026-08-01T00:00:00Z");
        usage(alice, "api_calls", "2026-08-10T09:00:00Z", "12000", 1, "live");
        usage(alice, "api_calls", "2026-08-30T23:00:00Z", "8000", 1, "live");
        usage(alice, "images", "2026-08-31T23:00:00Z", "30", 1, "live");

        clock.set(Instant.parse("2026-09-01T01:00:00Z"));
        String path = "/v1/customers/" + alice + "/rated-periods?period_start=2026-08-31T23:59:59.999Z";
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(Tokens.alice()).get(path).then().statusCode(200)
                        .body("lines.find { it.meter == 'images' }.quantity", equalTo("30")));
        given().auth().oauth2(Tokens.alice()).get(path).then().statusCode(200).contentType(ContentType.JSON)
                .body("customer_id", equalTo(alice)).body("plan.code", equalTo(code))
                .body("period_start", equalTo("2026-08-01T00:00:00Z")).body("period_end", equalTo("2026-09-01T00:00:00Z"))
                .body("lines.find { it.meter == 'api_calls' }.quantity", equalTo("20000"))
                .body("lines.find { it.meter == 'api_calls' }.amount", equalTo("50.00"))
                .body("lines.find { it.meter == 'images' }.amount", equalTo("3.00"))
                .body("subtotal", equalTo("102.00")).body("minimum_commitment_true_up", equalTo("0.00"))
                .body("credits_applied", equalTo("0.00")).body("total", equalTo("102.00"))
                .body("updated_at", equalTo("2026-09-01T00:00:00Z"));
        // the customer sees what the admin (invoice-service) sees
        assertEquals(given().auth().oauth2(Tokens.admin()).get(path).then().statusCode(200).extract().asString(),
                given().auth().oauth2(Tokens.alice()).get(path).then().statusCode(200).extract().asString());

        // bob is refused alice's period like any other customer endpoint refuses foreign data: 404 problem, no content
        given().auth().oauth2(Tokens.bob()).get(path).then().statusCode(404)
                .contentType("application/problem+json").body("subtotal", org.hamcrest.Matchers.nullValue());
        given().auth().oauth2(Tokens.bob()).get("/v1/customers/" + alice + "/spend").then().statusCode(404);
        // ... whatever the parameters (no probing through a validation error)
        given().auth().oauth2(Tokens.bob()).get("/v1/customers/" + alice + "/rated-periods?start=yesterday").then().statusCode(404);
        given().get(path).then().statusCode(401);
    }

    @Test
    void startIsValidatedByItsOwnName() {
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/cus_x/rated-periods?start=yesterday").then().statusCode(400)
                .body("errors[0].field", equalTo("start"));
        given().auth().oauth2(Tokens.admin())
                .get("/v1/customers/cus_x/rated-periods?start=2026-09-01T00:00:00Z&period_start=2026-08-01T00:00:00Z")
                .then().statusCode(400).body("errors[0].field", equalTo("start"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/cus_nobody/rated-periods?start=2026-09-01T00:00:00Z").then().statusCode(404);
    }
}
