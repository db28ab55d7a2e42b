package dev.apimon.portal.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.apimon.portal.support.ServicesStandIn;
import dev.apimon.portal.support.SpendEvents;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pricing calculator prices the customer's LAST CLOSED period. rating-service lets a customer read its own rated
 * periods, so the BFF reads it with the user's own token (no service account, no admin credential) — for the
 * token's customer and never anyone else, whatever the request says.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(ServicesStandIn.class)
class PricingCalculatorTest {
    static String ratedPeriod(String customer, String start, String end, String apiCalls) {
        return """
                {"customer_id":"%s","plan":{"code":"pro","version":1},"period_start":"%s","period_end":"%s","currency":"USD",
                 "lines":[{"type":"fee","description":"Pro monthly fee","amount":"49.00"},
                          {"type":"usage","description":"api_calls usage","meter":"api_calls","quantity":"%s","amount":"0.00"}],
                 "subtotal":"49.00","discount":"0.00","minimum_commitment_true_up":"0.00","credits_applied":"0.00","total":"49.00",
                 "updated_at":"%s"}""".formatted(customer, start, end, apiCalls, end);
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse().withHeader("Content-Type", "application/json").withBody(body);
    }

    @BeforeEach
    void stubs() {
        var w = ServicesStandIn.server;
        w.resetAll();
        // current periods (2026-11-01 → 2026-12-01), read with the user's token
        w.stubFor(get(urlPathEqualTo("/v1/customers/cus_demo_alice/spend")).willReturn(json(SpendEvents.spend("cus_demo_alice", "61.00", "12000"))));
        w.stubFor(get(urlPathEqualTo("/v1/customers/cus_demo_bob/spend")).willReturn(json(SpendEvents.spend("cus_demo_bob", "777.00", "49500"))));
        // last periods (2026-10-01 → 2026-11-01), also read with the user's token (rating: own customer only)
        w.stubFor(get(urlPathEqualTo("/v1/customers/cus_demo_alice/rated-periods"))
                .willReturn(json(ratedPeriod("cus_demo_alice", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "9000"))));
        w.stubFor(get(urlPathEqualTo("/v1/customers/cus_demo_bob/rated-periods"))
                .willReturn(json(ratedPeriod("cus_demo_bob", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "31000"))));
        w.stubFor(get(urlPathEqualTo("/v1/plans")).willReturn(json(
                "{\"data\":[{\"code\":\"free\",\"version\":1,\"name\":\"Free\"},{\"code\":\"pro\",\"version\":1,\"name\":\"Pro\"}]}")));
        w.stubFor(post(urlPathEqualTo("/v1/price-previews")).willReturn(json(
                "{\"currency\":\"USD\",\"lines\":[],\"subtotal\":\"49.00\",\"minimum_commitment_true_up\":\"0.00\",\"total\":\"49.00\"}")));
    }

    @Test
    void everyPublishedPlanIsPricedWithTheLastClosedPeriodsUsage_readWithTheUsersToken() {
        String alice = Tokens.alice();
        given().auth().oauth2(alice).get("/api/me/price-previews").then().statusCode(200)
                .body("usage_source", is("last_period"))
                .body("usage_period_start", is("2026-10-01T00:00:00Z")).body("usage_period_end", is("2026-11-01T00:00:00Z"))
                .body("usage.api_calls", is("9000"))
                .body("data.plan_code", contains("free", "pro"))
                .body("data[1].plan_name", is("Pro")).body("data[1].preview.total", is("49.00"));
        var w = ServicesStandIn.server;
        // the period before the current one: the instant just before its start
        w.verify(getRequestedFor(urlPathEqualTo("/v1/customers/cus_demo_alice/rated-periods"))
                .withQueryParam("period_start", equalTo("2026-10-31T23:59:59.999Z")));
        w.verify(2, postRequestedFor(urlPathEqualTo("/v1/price-previews"))
                .withRequestBody(matchingJsonPath("$.usage.api_calls", equalTo("9000")))
                .withHeader("Authorization", equalTo("Bearer " + alice)));
        // the current period and the rated period both with the user's own token, and no other token was ever sent
        w.verify(getRequestedFor(urlPathEqualTo("/v1/customers/cus_demo_alice/spend")).withHeader("Authorization", equalTo("Bearer " + alice)));
        w.verify(1, getRequestedFor(urlPathEqualTo("/v1/customers/cus_demo_alice/rated-periods"))
                .withHeader("Authorization", equalTo("Bearer " + alice)));
        List<String> otherTokens = w.getAllServeEvents().stream().map(e -> e.getRequest().getHeader("Authorization"))
                .filter(a -> !("Bearer " + alice).equals(a)).toList();
        assertTrue(otherTokens.isEmpty(), "requests with another (or no) token: " + otherTokens.size());
    }

    @Test
    void noParameterOrBodyFieldSelectsAnotherCustomer() {
        String alice = Tokens.alice();
        given().auth().oauth2(alice).get("/api/me/price-previews?customer_id=cus_demo_bob&customer=cus_demo_bob&id=cus_demo_bob")
                .then().statusCode(200).body("usage.api_calls", is("9000"));
        given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body(Map.of("plan", Map.of("code", "pro", "version", 1), "customer_id", "cus_demo_bob"))
                .post("/api/me/price-previews?customer_id=cus_demo_bob").then().statusCode(200).body("total", is("49.00"));
        var w = ServicesStandIn.server;
        // the POST priced alice's last period too, and no preview ever named a customer (no credits of anyone applied)
        w.verify(3, postRequestedFor(urlPathEqualTo("/v1/price-previews")).withRequestBody(matchingJsonPath("$.usage.api_calls", equalTo("9000"))));
        w.verify(0, postRequestedFor(urlPathEqualTo("/v1/price-previews")).withRequestBody(matchingJsonPath("$.customer_id")));
        // nothing about bob was requested from any service, with any token
        List<LoggedRequest> aboutBob = w.findAll(anyRequestedFor(urlPathMatching(".*cus_demo_bob.*")));
        assertTrue(aboutBob.isEmpty(), "requests about bob: " + aboutBob);
        assertFalse(w.getAllServeEvents().stream().anyMatch(e -> e.getRequest().getBodyAsString().contains("cus_demo_bob")));

        // and bob gets his own last period, never alice's
        w.resetRequests();
        given().auth().oauth2(Tokens.bob()).get("/api/me/price-previews?customer_id=cus_demo_alice").then().statusCode(200)
                .body("usage.api_calls", is("31000")).body("usage_source", is("last_period"));
        assertTrue(w.findAll(anyRequestedFor(urlPathMatching(".*cus_demo_alice.*"))).isEmpty());
    }

    @Test
    void withoutAClosedPeriodTheCurrentPeriodSoFarIsPricedAndSaidSo() {
        // rating answers 400 when the instant is before the subscription's anchor: no previous period
        ServicesStandIn.server.stubFor(get(urlPathEqualTo("/v1/customers/cus_demo_alice/rated-periods")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/problem+json")
                .withBody("{\"status\":400,\"code\":\"VALIDATION_FAILED\",\"errors\":[{\"field\":\"period_start\",\"message\":\"is before the subscription's anchor\"}]}")));
        given().auth().oauth2(Tokens.alice()).get("/api/me/price-previews").then().statusCode(200)
                .body("usage_source", is("current_period"))
                .body("usage_period_start", is("2026-11-01T00:00:00Z"))
                .body("usage.api_calls", is("12000"));
    }

    @Test
    void aFailingRatedPeriodFallsBackToTheCurrentPeriod_theCalculatorStillAnswers() {
        ServicesStandIn.server.stubFor(get(urlPathEqualTo("/v1/customers/cus_demo_alice/rated-periods")).willReturn(aResponse().withStatus(500)));
        given().auth().oauth2(Tokens.alice()).get("/api/me/price-previews").then().statusCode(200)
                .body("usage_source", is("current_period")).body("usage.api_calls", is("12000"));
    }

    @Test
    void onlyCustomersUseIt() {
        given().auth().oauth2(Tokens.admin()).get("/api/me/price-previews").then().statusCode(403)
                .contentType("application/problem+json");
        given().redirects().follow(false).get("/api/me/price-previews").then().statusCode(302);
        ServicesStandIn.server.verify(0, anyRequestedFor(urlPathMatching("/v1/customers/.*")));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(Map.of("usage", Map.of("api_calls", "1")))
                .post("/api/me/price-previews").then().statusCode(400).body("errors.field", hasItem("plan"));
    }
}
