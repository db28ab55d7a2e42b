package dev.apimon.portal.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.portal.support.ServicesStandIn;
import dev.apimon.portal.support.SseClient;
import dev.apimon.portal.support.SpendEvents;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every BFF endpoint, and that customer A never obtains B's data through any endpoint or parameter (the pricing
 * calculator: {@link PricingCalculatorTest}).
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(ServicesStandIn.class)
class PortalApiTest {
    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @BeforeAll
    static void spendOfTwoCustomers() throws Exception {
        SpendEvents.publish("billing.spend", "cus_demo_alice", "com.apimon.spend.updated", SpendEvents.spend("cus_demo_alice", "61.00", "12000"));
        SpendEvents.publish("billing.spend", "cus_demo_bob", "com.apimon.spend.updated", SpendEvents.spend("cus_demo_bob", "777.00", "49500"));
        SpendEvents.publish("customers.events", "cus_demo_alice", "com.apimon.customer.created",
                "{\"id\":\"cus_demo_alice\",\"currency\":\"USD\",\"attributes\":{\"region\":\"GB\"}}");
        SpendEvents.publish("customers.events", "cus_demo_bob", "com.apimon.customer.created",
                "{\"id\":\"cus_demo_bob\",\"currency\":\"USD\",\"attributes\":{\"region\":\"US\"}}");
    }

    @BeforeEach
    void stubs() {
        var w = ServicesStandIn.server;
        w.resetAll();
        w.stubFor(get(urlPathEqualTo("/v1/invoices")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"data\":[{\"id\":\"in_1\",\"number\":\"INV-2026-000001\",\"status\":\"paid\",\"total\":\"61.00\",\"currency\":\"USD\"}]}")));
        w.stubFor(get(urlPathEqualTo("/v1/invoices/in_other")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/problem+json").withBody("{\"status\":404,\"code\":\"NOT_FOUND\",\"detail\":\"invoice 'in_other' does not exist\"}")));
        w.stubFor(get(urlPathEqualTo("/v1/invoices/in_1/pdf")).willReturn(aResponse().withHeader("Content-Type", "application/pdf").withBody("%PDF-1.7 test")));
        w.stubFor(get(urlPathEqualTo("/v1/customers/cus_demo_alice/keys")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"data\":[{\"id\":\"key_a\",\"name\":\"prod\",\"start\":\"sk_live_Abcd\",\"status\":\"active\"}]}")));
        w.stubFor(post(urlPathEqualTo("/v1/customers/cus_demo_alice/keys")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody("{\"id\":\"key_b\",\"key\":\"sk_live_secret\",\"status\":\"active\"}")));
        w.stubFor(post(urlPathEqualTo("/v1/keys/key_a/rotate")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"id\":\"key_c\",\"key\":\"sk_live_new\"}")));
        w.stubFor(delete(urlPathEqualTo("/v1/keys/key_a")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"id\":\"key_a\",\"status\":\"revoked\"}")));
        w.stubFor(get(urlPathEqualTo("/v1/meters")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"data\":[{\"slug\":\"api_calls\"}]}")));
        w.stubFor(get(urlPathEqualTo("/v1/meters/api_calls/usage")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"data\":[{\"window_start\":\"2026-11-21T09:00:00Z\",\"window_end\":\"2026-11-21T10:00:00Z\",\"value\":\"12000\",\"group\":{}}]}")));
        w.stubFor(get(urlPathEqualTo("/v1/customers/cus_demo_alice/alerts")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"data\":[{\"kind\":\"spend_threshold\",\"threshold_percent\":50}]}")));
        w.stubFor(get(urlPathEqualTo("/v1/customers/cus_demo_alice/spend-alerts")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"budget\":\"100.00\",\"percentages\":[50,80,100]}")));
        w.stubFor(com.github.tomakehurst.wiremock.client.WireMock.put(urlPathEqualTo("/v1/customers/cus_demo_alice/spend-alerts"))
                .willReturn(aResponse().withHeader("Content-Type", "application/json").withBody("{\"budget\":\"150.00\",\"percentages\":[80]}")));
        w.stubFor(get(urlPathEqualTo("/v1/customers/cus_demo_alice/spend")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody(SpendEvents.spend("cus_demo_alice", "61.00", "12000"))));
        w.stubFor(get(urlPathEqualTo("/v1/plans")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"data\":[{\"code\":\"free\",\"version\":1,\"name\":\"Free\"},{\"code\":\"pro\",\"version\":1,\"name\":\"Pro\"}]}")));
        w.stubFor(post(urlPathEqualTo("/v1/price-previews")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"currency\":\"USD\",\"lines\":[],\"subtotal\":\"49.00\",\"total\":\"49.00\"}")));
    }

    @Test
    void spendIsTheTokensCustomerOnly_parametersCannotSelectAnother() {
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(Tokens.alice()).get("/api/me/spend").then().statusCode(200)
                        .body("customer_id", org.hamcrest.Matchers.equalTo("cus_demo_alice")).body("total", org.hamcrest.Matchers.equalTo("61.00")));
        given().auth().oauth2(Tokens.alice()).get("/api/me/spend?customer_id=cus_demo_bob").then().statusCode(200)
                .body("customer_id", org.hamcrest.Matchers.equalTo("cus_demo_alice"));
        given().auth().oauth2(Tokens.bob()).get("/api/me/spend").then().statusCode(200).body("total", org.hamcrest.Matchers.equalTo("777.00"));
        given().redirects().follow(false).get("/api/me/spend").then().statusCode(302);
        given().auth().oauth2(Tokens.admin()).get("/api/me/spend").then().statusCode(403);
    }

    @Test
    void sseSendsTheCurrentStateThenChanges_neverAnotherCustomers() throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(Tokens.alice()).get("/api/me/spend").then().statusCode(200));
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/me/spend/stream"))
                .header("Authorization", "Bearer " + Tokens.alice()).header("Accept", "text/event-stream").build();
        HttpResponse<java.io.InputStream> res = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofInputStream());
        List<String> events = new ArrayList<>();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("data:")) {
                        synchronized (events) {
                            events.add(line);
                        }
                        if (line.contains("\"62.50\"")) {
                            return;
                        }
                    }
                }
            } catch (Exception ignored) {
                // stream closed
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            synchronized (events) {
                return !events.isEmpty();
            }
        });
        SpendEvents.publish("billing.spend", "cus_demo_bob", "com.apimon.spend.updated", SpendEvents.spend("cus_demo_bob", "888.00", "49900"));
        SpendEvents.publish("billing.spend", "cus_demo_alice", "com.apimon.spend.updated", SpendEvents.spend("cus_demo_alice", "62.50", "12300"));
        reader.get(15, TimeUnit.SECONDS);
        synchronized (events) {
            assertTrue(events.get(0).contains("\"61.00\"") || events.get(0).contains("\"62.50\""), events.get(0));
            assertTrue(events.get(events.size() - 1).contains("\"62.50\""));
            assertTrue(events.stream().noneMatch(e -> e.contains("cus_demo_bob") || e.contains("888.00")), events.toString());
        }
    }

    @Test
    void sseDeliversABurstOfChangesInOrderAndStaysOpen() throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(Tokens.bob()).get("/api/me/spend").then().statusCode(200));
        try (SseClient sse = SseClient.open("http://127.0.0.1:" + port + "/api/me/spend/stream", Tokens.bob())) {
            sse.awaitEvent(e -> e.contains("cus_demo_bob"), Duration.ofSeconds(10)); // the current state first
            // 40 changes in one Kafka batch: they reach the stream faster than one SSE write completes
            List<String> burst = new ArrayList<>();
            for (int i = 1; i <= 40; i++) {
                burst.add(SpendEvents.spend("cus_demo_bob", "800.%02d".formatted(i), "49500"));
            }
            burst.add(SpendEvents.spend("cus_demo_bob", "777.00", "49500")); // back to the state the other tests expect
            SpendEvents.publishAll("billing.spend", "cus_demo_bob", "com.apimon.spend.updated", burst);
            Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
                List<String> ev = sse.events();
                int last = -1;
                for (int i = 0; i < ev.size(); i++) {
                    if (ev.get(i).contains("\"800.40\"")) {
                        last = i;
                    }
                }
                return last >= 0 && ev.subList(last, ev.size()).stream().anyMatch(e -> e.contains("\"777.00\"")) || sse.ended();
            });
            assertTrue(!sse.ended(), "the server closed the stream during the burst: " + sse.lines());
            List<String> totals = sse.events().stream().map(e -> e.replaceAll(".*\"total\":\"([0-9.]+)\".*", "$1"))
                    .filter(t -> t.startsWith("800.")).toList();
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= 40; i++) {
                expected.add("800.%02d".formatted(i));
            }
            org.junit.jupiter.api.Assertions.assertEquals(expected, totals, "one event per change, in order");
        }
    }

    @Test
    void invoicesKeysUsageAndAlertsAreFetchedForTheTokensCustomerWithItsToken() {
        String alice = Tokens.alice();
        given().auth().oauth2(alice).get("/api/me/invoices?customer_id=cus_demo_bob").then().statusCode(200)
                .body("data[0].number", org.hamcrest.Matchers.equalTo("INV-2026-000001"));
        ServicesStandIn.server.verify(getRequestedFor(urlPathEqualTo("/v1/invoices"))
                .withQueryParam("customer_id", equalTo("cus_demo_alice")).withHeader("Authorization", equalTo("Bearer " + alice)));
        given().auth().oauth2(alice).get("/api/me/invoices/in_other").then().statusCode(404)
                .contentType("application/problem+json").body("code", org.hamcrest.Matchers.equalTo("NOT_FOUND"));
        given().auth().oauth2(alice).get("/api/me/invoices/in_1/pdf").then().statusCode(200).contentType("application/pdf");
        given().auth().oauth2(alice).get("/api/me/keys").then().statusCode(200).body("data[0].id", org.hamcrest.Matchers.equalTo("key_a"));
        for (String page : new String[] {"/api/me/keys?limit=abc", "/api/me/invoices?limit=0", "/api/me/alerts?limit=501"}) {
            given().auth().oauth2(alice).get(page).then().statusCode(400).contentType("application/problem+json")
                    .body("errors[0].field", org.hamcrest.Matchers.equalTo("limit"));
        }
        given().auth().oauth2(alice).contentType(ContentType.JSON).body(Map.of("name", "ci")).post("/api/me/keys").then().statusCode(201)
                .body("key", org.hamcrest.Matchers.equalTo("sk_live_secret"));
        given().auth().oauth2(alice).contentType(ContentType.JSON).body(Map.of()).post("/api/me/keys/key_a/rotate").then().statusCode(200);
        given().auth().oauth2(alice).delete("/api/me/keys/key_a").then().statusCode(200);
        given().auth().oauth2(alice).get("/api/me/meters").then().statusCode(200).body("data.slug", hasItem("api_calls"));
        given().auth().oauth2(alice).get("/api/me/usage?meter=api_calls&window_size=hour&customer_id=cus_demo_bob").then().statusCode(200)
                .body("data[0].value", org.hamcrest.Matchers.equalTo("12000"));
        ServicesStandIn.server.verify(getRequestedFor(urlPathEqualTo("/v1/meters/api_calls/usage"))
                .withQueryParam("customer_id", equalTo("cus_demo_alice")));
        given().auth().oauth2(alice).get("/api/me/usage?meter=api_calls&cursor=page-2").then().statusCode(200);
        ServicesStandIn.server.verify(getRequestedFor(urlPathEqualTo("/v1/meters/api_calls/usage"))
                .withQueryParam("customer_id", equalTo("cus_demo_alice")).withQueryParam("cursor", equalTo("page-2")));
        given().auth().oauth2(alice).get("/api/me/usage").then().statusCode(400).body("errors[0].field", org.hamcrest.Matchers.equalTo("meter"));
        given().auth().oauth2(alice).get("/api/me/alerts").then().statusCode(200).body("data[0].threshold_percent", org.hamcrest.Matchers.equalTo(50));
        given().auth().oauth2(alice).get("/api/me/spend-alerts").then().statusCode(200).body("budget", org.hamcrest.Matchers.equalTo("100.00"));
        given().auth().oauth2(alice).contentType(ContentType.JSON).body(Map.of("budget", "150.00", "percentages", List.of(80)))
                .put("/api/me/spend-alerts").then().statusCode(200).body("budget", org.hamcrest.Matchers.equalTo("150.00"));
        // nothing was ever requested about bob from any service
        ServicesStandIn.server.verify(0, getRequestedFor(urlPathEqualTo("/v1/customers/cus_demo_bob/keys")));
        ServicesStandIn.server.verify(0, getRequestedFor(urlPathEqualTo("/v1/invoices")).withQueryParam("customer_id", equalTo("cus_demo_bob")));
    }

    @Test
    void aServiceThatIsDownIsA503ForItsPanelOnly() {
        ServicesStandIn.server.stubFor(get(urlPathEqualTo("/v1/invoices")).willReturn(aResponse().withStatus(500)));
        given().auth().oauth2(Tokens.alice()).get("/api/me/invoices").then().statusCode(503)
                .contentType("application/problem+json").body("detail", containsString("invoice-service"));
        given().auth().oauth2(Tokens.alice()).get("/api/me/keys").then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).get("/api/me/spend").then().statusCode(200);
    }

    @Test
    void providerViewsAreForPlatformAdminsOnly() {
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(Tokens.admin()).get("/api/admin/revenue?segment=region").then().statusCode(200)
                        .body("reports[0].by_segment.GB", org.hamcrest.Matchers.notNullValue())
                        .body("reports[0].by_segment.US", org.hamcrest.Matchers.notNullValue()));
        given().auth().oauth2(Tokens.admin()).get("/api/admin/revenue").then().statusCode(200)
                .body("reports[0].top_customers[0].customer_id", org.hamcrest.Matchers.equalTo("cus_demo_bob"))
                .body("reports[0].near_limits.customer_id", hasItem("cus_demo_bob"))
                .body("reports[0].near_limits.customer_id", not(hasItem("cus_demo_alice")));
        given().auth().oauth2(Tokens.alice()).get("/api/admin/revenue").then().statusCode(403);
        given().auth().oauth2(Tokens.admin()).get("/api/admin/revenue?top=0").then().statusCode(400).body("errors[0].field", org.hamcrest.Matchers.equalTo("top"));
        given().auth().oauth2(Tokens.admin()).get("/api/admin/revenue?top=ten").then().statusCode(400).body("errors[0].field", org.hamcrest.Matchers.equalTo("top"));
    }
}
