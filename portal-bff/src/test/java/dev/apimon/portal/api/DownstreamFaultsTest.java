package dev.apimon.portal.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.http.Fault;
import dev.apimon.portal.support.ServicesStandIn;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How the BFF behaves when a downstream service drops connections, hangs or keeps failing (one panel, one service). */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(ServicesStandIn.class)
class DownstreamFaultsTest {
    private static final String JSON = "application/json";

    @BeforeEach
    @AfterEach
    void reset() {
        ServicesStandIn.server.resetAll();
    }

    @Test
    void aDroppedConnectionIsRetried_theUserSeesNothing() {
        var w = ServicesStandIn.server;
        w.stubFor(get(urlPathEqualTo("/v1/customers/cus_demo_alice/keys")).inScenario("flaky").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("up"));
        w.stubFor(get(urlPathEqualTo("/v1/customers/cus_demo_alice/keys")).inScenario("flaky").whenScenarioStateIs("up")
                .willReturn(aResponse().withHeader("Content-Type", JSON).withBody("{\"data\":[{\"id\":\"key_a\"}]}")));
        given().auth().oauth2(Tokens.alice()).get("/api/me/keys").then().statusCode(200).body("data[0].id", is("key_a"));
        w.verify(2, getRequestedFor(urlPathEqualTo("/v1/customers/cus_demo_alice/keys")));
    }

    @Test
    void aHangingServiceTimesOut_3sPerAttempt_3Attempts_then503NamingIt() {
        var w = ServicesStandIn.server;
        w.stubFor(get(urlPathEqualTo("/v1/invoices")).willReturn(aResponse().withFixedDelay(4_000)
                .withHeader("Content-Type", JSON).withBody("{\"data\":[]}")));
        long t0 = System.nanoTime();
        given().auth().oauth2(Tokens.alice()).get("/api/me/invoices").then().statusCode(503)
                .contentType("application/problem+json").body("code", is("SERVICE_UNAVAILABLE")).body("detail", containsString("invoice-service"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(3, w.findAll(getRequestedFor(urlPathEqualTo("/v1/invoices"))).size());
        assertTrue(ms >= 9_000 && ms < 20_000, "answered after " + ms + " ms");
    }

    @Test
    void aServiceThatKeepsDroppingConnectionsOpensItsCircuit_thenRecovers() {
        var w = ServicesStandIn.server;
        w.stubFor(get(urlPathEqualTo("/v1/meters")).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        String alice = Tokens.alice();
        // each call is 3 attempts; the circuit opens once 5 of the last 10 attempts failed
        for (int i = 0; i < 4; i++) {
            given().auth().oauth2(alice).get("/api/me/meters").then().statusCode(503).body("detail", containsString("usage-service"));
        }
        int reached = w.findAll(getRequestedFor(urlPathEqualTo("/v1/meters"))).size();
        given().auth().oauth2(alice).get("/api/me/meters").then().statusCode(503)
                .body("detail", containsString("usage-service")).body("detail", containsString("CircuitBreakerOpen"));
        assertEquals(reached, w.findAll(getRequestedFor(urlPathEqualTo("/v1/meters"))).size(), "an open circuit does not call the service");
        // other services' panels are not affected
        w.stubFor(get(urlPathEqualTo("/v1/customers/cus_demo_alice/keys")).willReturn(aResponse().withHeader("Content-Type", JSON).withBody("{\"data\":[]}")));
        given().auth().oauth2(alice).get("/api/me/keys").then().statusCode(200);
        // the service is back: after the circuit's 5 s delay one trial call goes through and closes it
        w.stubFor(get(urlPathEqualTo("/v1/meters")).willReturn(aResponse().withHeader("Content-Type", JSON).withBody("{\"data\":[{\"slug\":\"api_calls\"}]}")));
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().auth().oauth2(alice).get("/api/me/meters").then().statusCode(200).body("data[0].slug", is("api_calls")));
    }
}
