package dev.apimon.invoice.credits;

import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.invoice.credits.domain.CreditReversals;
import dev.apimon.invoice.support.Fixtures;
import dev.apimon.invoice.support.Rating;
import dev.apimon.invoice.support.StandIns;
import dev.apimon.invoice.support.StripeEvents;
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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Voiding an invoice that burnt credits gives them back through rating-service, surviving a rating outage. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(StandIns.class)
class CreditReversalTest {
    @Inject
    MutableClock clock;
    @Inject
    AgroalDataSource db;
    @Inject
    CreditReversals reversals;

    @AfterEach
    void reset() {
        clock.reset();
    }

    private static void run(String asOf, String customer) {
        JsonPath r = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("as_of", asOf, "customer_id", customer)).post("/v1/billing-runs")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(), r.getList("errors"));
    }

    private static JsonPath voidIt(String invoiceId) {
        return given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", "billed by mistake"))
                .post("/v1/invoices/" + invoiceId + "/void").then().statusCode(200).extract().jsonPath();
    }

    /** A GB customer on a 49.00/month plan whose May closes into a draft that applies 10.00 of credits; returns the draft's id. */
    private String mayDraftWithCredits(String cus) {
        String plan = "pro-" + System.nanoTime();
        Rating.plan(plan, 1, "Pro", "49.00");
        clock.set(Instant.parse("2026-05-01T00:00:00Z"));
        Fixtures.subscribe(db, cus, "GB", plan, "2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z");
        run("2026-05-01T00:00:00Z", cus);
        Rating.rated(Rating.period(cus, "2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z").plan(plan, 1).fee("Pro monthly fee", "49.00")
                .usage("api_calls", "15000", "25.00").totals("74.00", "0.00", "0.00", "10.00", "64.00"));
        clock.set(Instant.parse("2026-06-01T00:05:00Z"));
        run("2026-06-01T00:05:00Z", cus);
        String draft = (String) Fixtures.invoices(cus).get(1).get("id");
        assertEquals("10.00", Fixtures.invoice(draft).getString("credits_applied"));
        return draft;
    }

    /** {@link #mayDraftWithCredits}, finalized: rating-service burns its 10.00 of credits. */
    private String finalizedWithCredits(String cus) {
        String inv = mayDraftWithCredits(cus);
        Rating.consumes(cus, "10.00");
        given().auth().oauth2(Tokens.admin()).post("/v1/invoices/" + inv + "/finalize").then().statusCode(200);
        assertEquals("finalized", Fixtures.invoice(inv).getString("status"));
        return inv;
    }

    @Test
    void voidingAFinalizedInvoiceGivesItsCreditsBack_afterARatingOutage_once() throws Exception {
        String cus = "cus_rev_" + System.nanoTime();
        String inv = finalizedWithCredits(cus);

        // rating-service is down when the invoice is voided: the void succeeds, the reversal waits in the outbox
        Rating.reversalFails(cus, 503);
        clock.set(Instant.parse("2026-06-02T10:00:00Z"));
        JsonPath voided = voidIt(inv);
        assertEquals("void", voided.getString("status"));
        assertEquals("pending", voided.getString("credit_reversal.status"));
        assertEquals(0, voided.getInt("credit_reversal.attempts"));

        assertEquals(1, reversals.runDue());
        JsonPath failed = Fixtures.invoice(inv);
        assertEquals("pending", failed.getString("credit_reversal.status"));
        assertEquals(1, failed.getInt("credit_reversal.attempts"));
        assertTrue(failed.getString("credit_reversal.last_error").contains("HTTP 503"), failed.getString("credit_reversal.last_error"));
        assertEquals("2026-06-02T10:00:30Z", failed.getString("credit_reversal.next_attempt_at"));
        StandIns.rating().verify(4, postRequestedFor(urlEqualTo("/v1/customers/" + cus + "/credits/reversals"))
                .withHeader("Authorization", matching("Bearer .+"))
                .withRequestBody(equalToJson("{\"reference\":\"" + inv + "\"}")));

        // rating-service is back; the job waits for its backoff, then the credits go back
        Rating.reverses(cus, "10.00");
        assertEquals(0, reversals.runDue(), "not due before its backoff");
        clock.advance(Duration.ofMinutes(1));
        assertEquals(1, reversals.runDue());
        JsonPath done = Fixtures.invoice(inv);
        assertEquals("succeeded", done.getString("credit_reversal.status"));
        assertEquals("10.00", done.getString("credit_reversal.restored"));
        assertNull(done.getString("credit_reversal.last_error"));
        assertNull(done.getString("credit_reversal.next_attempt_at"));
        assertEquals(0, reversals.runDue(), "done once");
        StandIns.rating().verify(5, postRequestedFor(urlEqualTo("/v1/customers/" + cus + "/credits/reversals"))
                .withRequestBody(equalToJson("{\"reference\":\"" + inv + "\"}")));
        // what the customer sees of the void invoice is unchanged: the reversal is provider staff's to watch
        assertEquals("10.00", done.getString("credits_applied"));
    }

    @Test
    void voidingInStripeGivesTheCreditsBackToo_onceWhateverStripeRedelivers() throws Exception {
        String cus = "cus_rev_hook_" + System.nanoTime();
        String inv = finalizedWithCredits(cus);
        Rating.reverses(cus, "10.00");

        // provider staff void the invoice in the Stripe dashboard: Stripe sends a signed invoice.voided, twice
        clock.set(Instant.parse("2026-06-03T09:00:00Z"));
        String payload = StripeEvents.event("evt_void_" + inv, "invoice.voided", "in_s_" + inv, inv, clock.instant().getEpochSecond());
        for (int delivery = 0; delivery < 2; delivery++) {
            given().contentType(ContentType.JSON).body(payload)
                    .header("Stripe-Signature", StripeEvents.sign(payload, StandIns.WEBHOOK_SECRET, clock.instant().getEpochSecond()))
                    .post("/v1/webhooks/stripe").then().statusCode(200);
        }
        JsonPath voided = Fixtures.invoice(inv);
        assertEquals("void", voided.getString("status"));
        assertEquals("pending", voided.getString("credit_reversal.status"));

        assertEquals(1, reversals.runDue());
        JsonPath done = Fixtures.invoice(inv);
        assertEquals("succeeded", done.getString("credit_reversal.status"));
        assertEquals("10.00", done.getString("credit_reversal.restored"));
        assertEquals(0, reversals.runDue(), "done once");
        StandIns.rating().verify(1, postRequestedFor(urlEqualTo("/v1/customers/" + cus + "/credits/reversals"))
                .withHeader("Authorization", matching("Bearer .+"))
                .withRequestBody(equalToJson("{\"reference\":\"" + inv + "\"}")));
    }

    @Test
    void aVoidedDraftWhoseCreditsWereNeverBurntRestoresNothing_anInvoiceWithoutCreditsQueuesNothing() throws Exception {
        String cus = "cus_rev_draft_" + System.nanoTime();
        String draft = mayDraftWithCredits(cus);
        String opening = (String) Fixtures.invoices(cus).get(0).get("id");

        // no finalization burnt anything under the draft's id: rating-service knows no such consumption (404)
        Rating.reversalFails(cus, 404);
        assertEquals("pending", voidIt(draft).getString("credit_reversal.status"));
        assertTrue(reversals.runDue() >= 1);
        JsonPath done = Fixtures.invoice(draft);
        assertEquals("succeeded", done.getString("credit_reversal.status"));
        assertEquals("0.00", done.getString("credit_reversal.restored"));
        assertTrue(done.getString("credit_reversal.last_error").contains("nothing was burnt"), done.getString("credit_reversal.last_error"));

        // the opening invoice applied no credits: voiding it asks rating for nothing
        assertEquals("0.00", Fixtures.invoice(opening).getString("credits_applied"));
        JsonPath openingVoided = voidIt(opening);
        assertNull(openingVoided.get("credit_reversal"));
        StandIns.rating().verify(1, postRequestedFor(urlEqualTo("/v1/customers/" + cus + "/credits/reversals")));
    }
}
