package dev.apimon.invoice.webhooks;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.invoice.dunning.domain.DunningService;
import dev.apimon.invoice.support.Fixtures;
import dev.apimon.invoice.support.Kafka;
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
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Stripe webhooks: only a valid Stripe-Signature is accepted (wrong secret, tampered body, missing header and replayed
 * old signatures are 400); each event id is applied once; payment failures drive dunning (retry schedule, then a final
 * failure on billing.payments) and a later payment puts the customer back in good standing.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(StandIns.class)
class StripeWebhookTest {
    @Inject
    MutableClock clock;
    @Inject
    DunningService dunning;
    @Inject
    AgroalDataSource db;

    @AfterEach
    void reset() {
        clock.reset();
    }

    static String sign(String payload, String secret, long timestamp) throws Exception {
        return StripeEvents.sign(payload, secret, timestamp);
    }

    static String event(String eventId, String type, String stripeInvoiceId, String ourInvoiceId, long created) {
        return StripeEvents.event(eventId, type, stripeInvoiceId, ourInvoiceId, created);
    }

    private Response deliver(String path, String payload, String signature) {
        var req = given().contentType(ContentType.JSON).body(payload);
        if (signature != null) {
            req = req.header("Stripe-Signature", signature);
        }
        return req.post(path);
    }

    private Response deliver(String payload) throws Exception {
        return deliver("/v1/webhooks/stripe", payload, sign(payload, StandIns.WEBHOOK_SECRET, clock.instant().getEpochSecond()));
    }

    /** A GB customer with its opening invoice (58.80) finalized. */
    private String invoice(String cus, String anchor, String end) {
        String plan = "pro-" + System.nanoTime();
        Rating.plan(plan, 1, "Pro", "49.00");
        clock.set(Instant.parse(anchor));
        Fixtures.subscribe(db, cus, "GB", plan, anchor, end);
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("as_of", anchor, "customer_id", cus))
                .post("/v1/billing-runs").then().statusCode(200);
        return (String) Fixtures.invoices(cus).get(0).get("id");
    }

    private static int count(AgroalDataSource db, String sql) throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void onlyValidSignaturesAreAccepted_andEachEventIsAppliedOnce() throws Exception {
        String cus = "cus_hook_" + System.nanoTime();
        String id = invoice(cus, "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z");
        long now = clock.instant().getEpochSecond();
        String evt = "evt_paid_" + System.nanoTime();
        String payload = event(evt, "invoice.paid", "in_stripe_" + id, id, now);

        // rejected: no header, wrong secret, a body that is not the signed one, an old (replayed) signature
        deliver("/v1/webhooks/stripe", payload, null).then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("INVALID_SIGNATURE"));
        deliver("/v1/webhooks/stripe", payload, sign(payload, "whsec_wrong", now)).then().statusCode(400).body("code", equalTo("INVALID_SIGNATURE"));
        deliver("/v1/webhooks/stripe", payload.replace("invoice.paid", "invoice.voided"), sign(payload, StandIns.WEBHOOK_SECRET, now))
                .then().statusCode(400);
        deliver("/v1/webhooks/stripe", payload, sign(payload, StandIns.WEBHOOK_SECRET, now - 600)).then().statusCode(400)
                .body("detail", containsString("tolerance"));
        deliver("/v1/webhooks/stripe", payload, "t=" + now + ",v1=deadbeef").then().statusCode(400);
        assertEquals(0, count(db, "SELECT count(*) FROM stripe_events WHERE event_id = '" + evt + "'"), "a rejected delivery stores nothing");
        assertEquals("finalized", Fixtures.invoice(id).getString("status"));

        // accepted, applied once; the same delivery again (Stripe retries) changes nothing, on either path
        deliver(payload).then().statusCode(200).body("duplicate", equalTo(false)).body("outcome", equalTo("paid"));
        deliver(payload).then().statusCode(200).body("duplicate", equalTo(true));
        deliver("/v1/stripe/webhooks", payload, sign(payload, StandIns.WEBHOOK_SECRET, now)).then().statusCode(200)
                .body("duplicate", equalTo(true));
        JsonPath paid = Fixtures.invoice(id);
        assertEquals("paid", paid.getString("status"));
        assertEquals("2026-07-01T00:00:00Z", paid.getString("paid_at"));
        // a different event for the same outcome is stored but does nothing more
        String again = event("evt_paid2_" + System.nanoTime(), "invoice.paid", "in_stripe_" + id, id, now);
        deliver(again).then().statusCode(200).body("duplicate", equalTo(false)).body("outcome", containsString("ignored"));
        assertEquals(1, count(db, "SELECT count(*) FROM stripe_events WHERE event_id = '" + evt + "'"));

        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(
                List.of("com.apimon.invoice.finalized", "com.apimon.invoice.paid"), Kafka.types("billing.invoices", cus)));
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(
                List.of("com.apimon.payment.succeeded"), Kafka.types("billing.payments", cus)));
        Thread.sleep(500);
        assertEquals(2, Kafka.types("billing.invoices", cus).size(), "no second paid event");

        // events about invoices that are not ours are acknowledged and ignored
        deliver(event("evt_foreign_" + System.nanoTime(), "invoice.paid", "in_foreign", "in_unknown", now)).then().statusCode(200)
                .body("outcome", containsString("ignored"));
    }

    @Test
    void failedPaymentsFollowTheRetrySchedule_thenTheCustomerIsDelinquent_untilItPays() throws Exception {
        String cus = "cus_dunning_" + System.nanoTime();
        String id = invoice(cus, "2026-07-10T00:00:00Z", "2026-08-10T00:00:00Z");
        String stripeId = "in_stripe_" + id;
        Fixtures.exec(db, "UPDATE stripe_sync SET status = 'succeeded', stripe_invoice_id = '" + stripeId + "' WHERE invoice_id = '" + id + "'");

        // attempt 1 fails (Stripe's charge at finalization): retry in 3 days
        deliver(event("evt_f1_" + id, "invoice.payment_failed", stripeId, id, clock.instant().getEpochSecond())).then().statusCode(200);
        JsonPath inv = Fixtures.invoice(id);
        assertEquals("finalized", inv.getString("status"));
        assertEquals("retrying", inv.getString("payment.status"));
        assertEquals(1, inv.getInt("payment.failed_attempts"));
        assertEquals("2026-07-13T00:00:00Z", inv.getString("payment.next_retry_at"));
        assertEquals(0, dunning.retryDue(), "not due yet");

        // the retry falls due: a Stripe pay job (attempt 2) is queued
        clock.set(Instant.parse("2026-07-13T00:00:00Z"));
        assertEquals(1, dunning.retryDue());
        assertEquals(1, count(db, "SELECT count(*) FROM stripe_sync WHERE invoice_id = '" + id + "' AND action = 'pay-2' AND status = 'pending'"));
        deliver(event("evt_f2_" + id, "invoice.payment_failed", stripeId, id, clock.instant().getEpochSecond())).then().statusCode(200);
        assertEquals("2026-07-18T00:00:00Z", Fixtures.invoice(id).getString("payment.next_retry_at"));
        clock.set(Instant.parse("2026-07-18T00:00:00Z"));
        assertEquals(1, dunning.retryDue());
        deliver(event("evt_f3_" + id, "invoice.payment_failed", stripeId, id, clock.instant().getEpochSecond())).then().statusCode(200);
        assertEquals("2026-07-25T00:00:00Z", Fixtures.invoice(id).getString("payment.next_retry_at"));
        clock.set(Instant.parse("2026-07-25T00:00:00Z"));
        assertEquals(1, dunning.retryDue());
        // a redelivered failure is not a new attempt
        deliver(event("evt_f3_" + id, "invoice.payment_failed", stripeId, id, clock.instant().getEpochSecond())).then().statusCode(200)
                .body("duplicate", equalTo(true));
        // attempt 4 fails: no retry left → final, the customer is delinquent
        deliver(event("evt_f4_" + id, "invoice.payment_failed", stripeId, id, clock.instant().getEpochSecond())).then().statusCode(200);
        JsonPath delinquent = Fixtures.invoice(id);
        assertEquals("delinquent", delinquent.getString("payment.status"));
        assertEquals(4, delinquent.getInt("payment.failed_attempts"));
        assertEquals(null, delinquent.getString("payment.next_retry_at"));

        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(4, Kafka.read("billing.payments", cus).size()));
        List<Kafka.Event> failures = Kafka.read("billing.payments", cus);
        for (int i = 0; i < 4; i++) {
            Kafka.Event e = failures.get(i);
            assertEquals("com.apimon.payment.failed", e.type());
            assertEquals(cus, e.key());
            assertEquals(cus, e.payload().get("customer_id").asText());
            assertEquals(id, e.payload().get("invoice_id").asText());
            assertEquals("failed", e.payload().get("status").asText());
            assertEquals(i + 1, e.payload().get("attempt").asInt());
            assertEquals(i == 3, e.payload().get("final").asBoolean(), "final only on the last attempt");
            assertEquals(i == 3, e.payload().get("final_attempt").asBoolean());
            assertTrue(e.payload().has("at"));
        }
        assertEquals("2026-07-13T00:00:00Z", failures.get(0).payload().get("next_attempt_at").asText());
        assertTrue(failures.get(3).payload().get("next_attempt_at").isNull());

        // the customer pays later: back in good standing
        clock.set(Instant.parse("2026-08-02T00:00:00Z"));
        deliver(event("evt_p_" + id, "invoice.paid", stripeId, id, clock.instant().getEpochSecond())).then().statusCode(200)
                .body("outcome", equalTo("paid"));
        assertEquals("recovered", Fixtures.invoice(id).getString("payment.status"));
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(5, Kafka.read("billing.payments", cus).size()));
        Kafka.Event ok = Kafka.read("billing.payments", cus).get(4);
        assertEquals("com.apimon.payment.succeeded", ok.type());
        assertEquals("succeeded", ok.payload().get("status").asText());
        assertEquals(5, ok.payload().get("attempt").asInt());
        // a late failure event for a paid invoice changes nothing
        deliver(event("evt_f5_" + id, "invoice.payment_failed", stripeId, id, clock.instant().getEpochSecond())).then().statusCode(200)
                .body("outcome", containsString("ignored"));
        assertEquals("recovered", Fixtures.invoice(id).getString("payment.status"));
    }

    @Test
    void voidedAndUncollectibleInStripe() throws Exception {
        String cus = "cus_hookvoid_" + System.nanoTime();
        String first = invoice(cus, "2026-07-20T00:00:00Z", "2026-08-20T00:00:00Z");
        long now = clock.instant().getEpochSecond();
        deliver(event("evt_v_" + first, "invoice.voided", "in_s_" + first, first, now)).then().statusCode(200).body("outcome", equalTo("voided"));
        assertEquals("void", Fixtures.invoice(first).getString("status"));
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertTrue(
                Kafka.types("billing.invoices", cus).contains("com.apimon.invoice.voided")));

        String cus2 = "cus_hookunc_" + System.nanoTime();
        String second = invoice(cus2, "2026-07-21T00:00:00Z", "2026-08-21T00:00:00Z");
        deliver(event("evt_u_" + second, "invoice.marked_uncollectible", "in_s_" + second, second, now)).then().statusCode(200)
                .body("outcome", equalTo("uncollectible"));
        assertEquals("uncollectible", Fixtures.invoice(second).getString("status"));
        assertEquals("delinquent", Fixtures.invoice(second).getString("payment.status"));
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<Kafka.Event> p = Kafka.read("billing.payments", cus2);
            assertEquals(1, p.size());
            assertTrue(p.get(0).payload().get("final").asBoolean());
        });
        // uncollectible invoices can still be paid
        deliver(event("evt_up_" + second, "invoice.paid", "in_s_" + second, second, now)).then().statusCode(200).body("outcome", equalTo("paid"));
        assertEquals("paid", Fixtures.invoice(second).getString("status"));

        deliver(event("evt_other_" + second, "customer.updated", "cus_x", second, now).replace("\"object\":\"invoice\"", "\"object\":\"customer\""))
                .then().statusCode(200).body("outcome", containsString("ignored"));
    }
}
