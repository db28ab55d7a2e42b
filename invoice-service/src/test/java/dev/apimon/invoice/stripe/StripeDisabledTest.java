package dev.apimon.invoice.stripe;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Without STRIPE_API_KEY / STRIPE_WEBHOOK_SECRET: invoices are still finalized; the sync says "disabled"; no call leaves. */
@QuarkusTest
@TestProfile(StripeDisabledTest.NoStripe.class)
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(StandIns.class)
class StripeDisabledTest {
    public static class NoStripe implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("stripe.api-key", "", "%test.stripe.api-key", "", "stripe.webhook-secret", "", "%test.stripe.webhook-secret", "");
        }
    }

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

    @Test
    void invoicesAreFinalizedAndTheSyncIsVisiblyDisabled() throws Exception {
        String cus = "cus_nostripe_" + System.nanoTime();
        String plan = "pro-" + System.nanoTime();
        Rating.plan(plan, 1, "Pro", "49.00");
        clock.set(Instant.parse("2026-10-01T00:00:00Z"));
        Fixtures.subscribe(db, cus, "GB", plan, "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z");
        int before = StandIns.stripe().getAllServeEvents().size();
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("as_of", "2026-10-01T00:00:00Z", "customer_id", cus))
                .post("/v1/billing-runs").then().statusCode(200);
        String id = (String) Fixtures.invoices(cus).get(0).get("id");
        JsonPath inv = Fixtures.invoice(id);
        assertEquals("finalized", inv.getString("status"));
        assertEquals("58.80", inv.getString("total"));
        assertEquals("disabled", inv.getString("stripe_sync[0].status"));
        assertTrue(inv.getString("stripe_sync[0].last_error").contains("STRIPE_API_KEY"));

        assertEquals(0, worker.runDue());
        assertEquals(before, StandIns.stripe().getAllServeEvents().size(), "no request reached Stripe");
        given().auth().oauth2(Tokens.admin()).post("/v1/invoices/" + id + "/stripe-sync/retry").then().statusCode(409)
                .body("code", equalTo("STRIPE_DISABLED"));
        given().contentType(ContentType.JSON).header("Stripe-Signature", "t=1,v1=00").body("{}").post("/v1/webhooks/stripe")
                .then().statusCode(503).body("code", equalTo("WEBHOOKS_DISABLED"));
    }
}
