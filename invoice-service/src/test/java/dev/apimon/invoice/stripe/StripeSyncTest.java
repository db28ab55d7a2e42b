package dev.apimon.invoice.stripe;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.apimon.invoice.stripe.domain.StripeSyncWorker;
import dev.apimon.invoice.support.Fixtures;
import dev.apimon.invoice.support.Rating;
import dev.apimon.invoice.support.StandIns;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Stripe sync against a local Stripe stand-in: the exact form parameters and Idempotency-Key headers stripe-java
 * sends, retries with backoff that resume where they stopped, a retry after lost progress that re-sends the same
 * keys (so Stripe creates nothing twice), failures visible and retriable by an admin, and void.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(StandIns.class)
class StripeSyncTest {
    @Inject
    MutableClock clock;
    @Inject
    StripeSyncWorker worker;
    @Inject
    AgroalDataSource db;

    @AfterEach
    void reset() {
        clock.reset();
    }

    /** A GB customer whose opening invoice (49.00 fee + 9.80 tax) is finalized; only its push job stays due. */
    private String finalizedInvoice(String cus, String anchor, String end) {
        String plan = "pro-" + System.nanoTime();
        Rating.plan(plan, 1, "Pro", "49.00");
        clock.set(Instant.parse(anchor));
        Fixtures.subscribe(db, cus, "GB", plan, anchor, end);
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("as_of", anchor, "customer_id", cus))
                .post("/v1/billing-runs").then().statusCode(200);
        String id = (String) Fixtures.invoices(cus).get(0).get("id");
        Fixtures.exec(db, "UPDATE stripe_sync SET status = 'canceled' WHERE status IN ('pending', 'running') AND invoice_id <> '" + id + "'");
        return id;
    }

    private static List<LoggedRequest> requests(String path, String idempotencyKey) {
        return StandIns.stripe().findAll(postRequestedFor(urlEqualTo(path)).withHeader("Idempotency-Key", equalTo(idempotencyKey)));
    }

    static Map<String, String> form(LoggedRequest r) {
        Map<String, String> out = new TreeMap<>();
        String body = r.getBodyAsString();
        if (body.isEmpty()) {
            return out;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static JsonPath sync(String invoiceId) {
        return given().auth().oauth2(Tokens.admin()).get("/v1/invoices/" + invoiceId + "/stripe-sync").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void pushSendsExactFormsAndKeys_retryResumes_andLostProgressCreatesNothingTwice() throws Exception {
        String cus = "cus_stripe_" + System.nanoTime();
        String id = finalizedInvoice(cus, "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z");
        JsonPath inv = Fixtures.invoice(id);
        String number = inv.getString("number");
        assertEquals("pending", inv.getString("stripe_sync[0].status"));

        String customerKey = "apimon-customer-" + cus;
        String invoiceKey = "apimon-invoice-" + id;
        var stripe = StandIns.stripe();
        stripe.stubFor(post(urlEqualTo("/v1/customers")).withHeader("Idempotency-Key", equalTo(customerKey))
                .willReturn(StandIns.json("{\"id\":\"cus_S1\",\"object\":\"customer\"}")));
        stripe.stubFor(post(urlEqualTo("/v1/invoices")).withHeader("Idempotency-Key", equalTo(invoiceKey))
                .willReturn(StandIns.json("{\"id\":\"in_S1\",\"object\":\"invoice\",\"status\":\"draft\"}")));
        stripe.stubFor(post(urlEqualTo("/v1/invoiceitems")).withHeader("Idempotency-Key", equalTo(invoiceKey + "-line-2"))
                .inScenario("line-2-" + id).whenScenarioStateIs(Scenario.STARTED).willSetStateTo("up")
                .willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"Stripe is having a moment\"}}")));
        stripe.stubFor(post(urlEqualTo("/v1/invoiceitems")).withHeader("Idempotency-Key", equalTo(invoiceKey + "-line-2"))
                .inScenario("line-2-" + id).whenScenarioStateIs("up")
                .willReturn(StandIns.json("{\"id\":\"ii_S2\",\"object\":\"invoiceitem\"}")));
        stripe.stubFor(post(urlEqualTo("/v1/invoices/in_S1/finalize")).withHeader("Idempotency-Key", equalTo(invoiceKey + "-finalize"))
                .willReturn(StandIns.json("{\"id\":\"in_S1\",\"object\":\"invoice\",\"status\":\"open\"}")));

        // attempt 1: customer, invoice and item 1 exist; item 2 fails → retry in 30 s, visible to an admin
        assertEquals(1, worker.runDue());
        JsonPath s1 = sync(id);
        assertEquals("pending", s1.getString("data[0].status"));
        assertEquals(1, s1.getInt("data[0].attempts"));
        assertTrue(s1.getString("data[0].last_error").contains("HTTP 500"), s1.getString("data[0].last_error"));
        assertTrue(s1.getString("data[0].last_error").contains("Stripe is having a moment"));
        assertEquals("2026-04-01T00:00:30Z", s1.getString("data[0].next_attempt_at"));
        assertEquals("cus_S1", s1.getString("data[0].stripe_customer_id"));
        assertEquals("in_S1", s1.getString("data[0].stripe_invoice_id"));
        assertEquals(0, worker.runDue(), "not due before its backoff");

        // attempt 2, after the backoff: resumes at item 2, then finalizes
        clock.advance(Duration.ofSeconds(30));
        assertEquals(1, worker.runDue());
        JsonPath s2 = sync(id);
        assertEquals("succeeded", s2.getString("data[0].status"));
        assertEquals(null, s2.getString("data[0].last_error"));

        assertEquals(1, requests("/v1/customers", customerKey).size());
        assertEquals(1, requests("/v1/invoices", invoiceKey).size());
        assertEquals(1, requests("/v1/invoiceitems", invoiceKey + "-line-1").size());
        assertEquals(2, requests("/v1/invoiceitems", invoiceKey + "-line-2").size(), "only the failed item was sent again");
        assertEquals(1, requests("/v1/invoices/in_S1/finalize", invoiceKey + "-finalize").size());

        LoggedRequest customer = requests("/v1/customers", customerKey).get(0);
        assertEquals("Bearer " + StandIns.STRIPE_KEY, customer.getHeader("Authorization"));
        assertEquals(new TreeMap<>(Map.of("name", "Customer " + cus, "email", "billing@" + cus + ".example",
                "metadata[apimon_customer_id]", cus)), form(customer));
        assertEquals(new TreeMap<>(Map.of("customer", "cus_S1", "currency", "usd", "collection_method", "charge_automatically",
                "auto_advance", "false", "pending_invoice_items_behavior", "exclude",
                "description", number + " · 2026-04-01 to 2026-05-01",
                "metadata[apimon_invoice_id]", id, "metadata[apimon_invoice_number]", number)),
                form(requests("/v1/invoices", invoiceKey).get(0)));
        assertEquals(new TreeMap<>(Map.of("customer", "cus_S1", "invoice", "in_S1", "amount", "4900", "currency", "usd",
                "description", "Pro monthly fee", "metadata[apimon_invoice_id]", id, "metadata[apimon_line]", "1")),
                form(requests("/v1/invoiceitems", invoiceKey + "-line-1").get(0)));
        Map<String, String> item2 = new TreeMap<>(Map.of("customer", "cus_S1", "invoice", "in_S1", "amount", "980", "currency", "usd",
                "description", "Tax 20% (GB)", "metadata[apimon_invoice_id]", id, "metadata[apimon_line]", "2"));
        for (LoggedRequest r : requests("/v1/invoiceitems", invoiceKey + "-line-2")) {
            assertEquals(item2, form(r), "the retry sends the same parameters under the same key");
        }
        assertEquals(Map.of("auto_advance", "true"), form(requests("/v1/invoices/in_S1/finalize", invoiceKey + "-finalize").get(0)));

        given().auth().oauth2(Tokens.admin()).post("/v1/invoices/" + id + "/stripe-sync/retry").then().statusCode(409)
                .body("code", org.hamcrest.Matchers.equalTo("NOTHING_TO_RETRY"));

        // a crash lost our record of the Stripe objects: the whole push runs again, with the same keys and
        // parameters, so Stripe answers its first objects instead of creating new ones
        Map<String, Map<String, String>> firstByKey = byKey(cus, id);
        Fixtures.exec(db, "UPDATE stripe_sync SET status = 'pending', stripe_customer_id = NULL, stripe_invoice_id = NULL, items_synced = 0 "
                + "WHERE invoice_id = '" + id + "'");
        Fixtures.exec(db, "UPDATE customers SET stripe_customer_id = NULL WHERE id = '" + cus + "'");
        assertEquals(1, worker.runDue());
        assertEquals("succeeded", sync(id).getString("data[0].status"));
        Map<String, Map<String, String>> secondByKey = byKey(cus, id);
        assertEquals(List.of(customerKey, invoiceKey, invoiceKey + "-finalize", invoiceKey + "-line-1", invoiceKey + "-line-2"),
                secondByKey.keySet().stream().sorted().toList(), "one key per Stripe object, however often it was sent");
        assertEquals(firstByKey, secondByKey);
    }

    /** Every request this test's invoice caused, by Idempotency-Key, checking that one key always carried the same form. */
    private static Map<String, Map<String, String>> byKey(String cus, String id) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (LoggedRequest r : StandIns.stripe().findAll(postRequestedFor(com.github.tomakehurst.wiremock.client.WireMock.urlMatching("/v1/.*")))) {
            String key = r.getHeader("Idempotency-Key");
            if (key != null && (key.contains(id) || key.equals("apimon-customer-" + cus))) {
                Map<String, String> previous = out.putIfAbsent(key, form(r));
                if (previous != null) {
                    assertEquals(previous, form(r), "same key, same parameters: " + key);
                }
            }
        }
        return out;
    }

    @Test
    void failuresBackOffExponentially_permanentOnesStopAndAnAdminRetries() throws Exception {
        String cus = "cus_stripefail_" + System.nanoTime();
        String id = finalizedInvoice(cus, "2026-04-10T00:00:00Z", "2026-05-10T00:00:00Z");
        String invoiceKey = "apimon-invoice-" + id;
        var stripe = StandIns.stripe();
        stripe.stubFor(post(urlEqualTo("/v1/invoices")).withHeader("Idempotency-Key", equalTo(invoiceKey))
                .inScenario("fail-" + id).whenScenarioStateIs(Scenario.STARTED).willSetStateTo("503-again")
                .willReturn(aResponse().withStatus(503).withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"unavailable\"}}")));
        stripe.stubFor(post(urlEqualTo("/v1/invoices")).withHeader("Idempotency-Key", equalTo(invoiceKey))
                .inScenario("fail-" + id).whenScenarioStateIs("503-again").willSetStateTo("400")
                .willReturn(aResponse().withStatus(503).withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"unavailable\"}}")));
        stripe.stubFor(post(urlEqualTo("/v1/invoices")).withHeader("Idempotency-Key", equalTo(invoiceKey))
                .inScenario("fail-" + id).whenScenarioStateIs("400").willSetStateTo("fixed")
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"resource_missing\",\"message\":\"No such customer: 'cus_default'\"}}")));
        stripe.stubFor(post(urlEqualTo("/v1/invoices")).withHeader("Idempotency-Key", equalTo(invoiceKey))
                .inScenario("fail-" + id).whenScenarioStateIs("fixed")
                .willReturn(StandIns.json("{\"id\":\"in_S9\",\"object\":\"invoice\",\"status\":\"draft\"}")));

        worker.runDue();
        assertEquals("2026-04-10T00:00:30Z", sync(id).getString("data[0].next_attempt_at"), "1st retry after 30 s");
        clock.advance(Duration.ofSeconds(30));
        worker.runDue();
        assertEquals("2026-04-10T00:01:30Z", sync(id).getString("data[0].next_attempt_at"), "2nd after 60 s more");
        clock.advance(Duration.ofSeconds(60));
        worker.runDue();
        JsonPath failed = sync(id);
        assertEquals("failed", failed.getString("data[0].status"), "a 400 will not get better by itself");
        assertEquals(3, failed.getInt("data[0].attempts"));
        assertTrue(failed.getString("data[0].last_error").contains("No such customer"), failed.getString("data[0].last_error"));
        given().auth().oauth2(Tokens.admin()).get("/v1/stripe-syncs?status=failed&limit=500").then().statusCode(200)
                .body("data.invoice_id", hasItem(id));
        given().auth().oauth2(Tokens.alice()).get("/v1/stripe-syncs").then().statusCode(403);
        assertEquals(0, worker.runDue(), "failed jobs wait for an operator");

        given().auth().oauth2(Tokens.admin()).post("/v1/invoices/" + id + "/stripe-sync/retry").then().statusCode(200)
                .body("data[0].status", org.hamcrest.Matchers.equalTo("pending")).body("data[0].attempts", org.hamcrest.Matchers.equalTo(0));
        assertEquals(1, worker.runDue());
        assertEquals("succeeded", sync(id).getString("data[0].status"));
        assertEquals("in_S9", sync(id).getString("data[0].stripe_invoice_id"));
        assertEquals(1, requests("/v1/customers", "apimon-customer-" + cus).size(), "the customer was created once");
    }

    @Test
    void voidingASyncedInvoiceVoidsItInStripe() throws Exception {
        String cus = "cus_stripevoid_" + System.nanoTime();
        String id = finalizedInvoice(cus, "2026-04-20T00:00:00Z", "2026-05-20T00:00:00Z");
        StandIns.stripe().stubFor(post(urlEqualTo("/v1/invoices")).withHeader("Idempotency-Key", equalTo("apimon-invoice-" + id))
                .willReturn(StandIns.json("{\"id\":\"in_SV\",\"object\":\"invoice\",\"status\":\"draft\"}")));
        worker.runDue();
        assertEquals("succeeded", sync(id).getString("data[0].status"));

        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", "duplicate"))
                .post("/v1/invoices/" + id + "/void").then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("void"));
        assertEquals(1, worker.runDue());
        List<LoggedRequest> voids = requests("/v1/invoices/in_SV/void", "apimon-invoice-" + id + "-void");
        assertEquals(1, voids.size());
        JsonPath s = sync(id);
        assertEquals(List.of("push", "void"), s.getList("data.action"));
        assertEquals(List.of("succeeded", "succeeded"), s.getList("data.status"));
        given().auth().oauth2(Tokens.admin()).get("/v1/invoices/" + id).then().body("stripe_sync.action", hasItem("void"))
                .body("status", containsString("void"));
        assertEquals(List.of(), StandIns.stripe().findAll(postRequestedFor(urlEqualTo("/v1/invoices/in_SV/void"))).stream()
                .filter(r -> !r.getHeader("Idempotency-Key").equals("apimon-invoice-" + id + "-void")).collect(Collectors.toList()));
    }
}
