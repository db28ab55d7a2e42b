package dev.apimon.rating.credits;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class CreditResourceTest {
    @Inject
    AgroalDataSource db;
    @Inject
    MutableClock clock;

    @AfterEach
    void reset() {
        clock.reset();
    }

    private String grant(String cus, Map<String, Object> body, String idem) {
        var req = given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(body);
        if (idem != null) {
            req = req.header("Idempotency-Key", idem);
        }
        return req.post("/v1/customers/" + cus + "/credits").then().statusCode(201).extract().path("id");
    }

    @Test
    void grantsAreIdempotentAndBurnInPriorityThenExpiryOrder() {
        String cus = "cus_cred_" + System.nanoTime();
        String promo = grant(cus, Map.of("kind", "promotional", "amount", "10.00", "currency", "USD", "priority", 1,
                "expires_at", "2099-01-01T00:00:00Z"), "g-1");
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).header("Idempotency-Key", "g-1")
                .body(Map.of("kind", "promotional", "amount", "10.00", "currency", "USD", "priority", 1))
                .post("/v1/customers/" + cus + "/credits").then().statusCode(201).body("id", equalTo(promo));
        String wallet = grant(cus, Map.of("kind", "prepaid", "amount", "50.00", "currency", "USD", "priority", 5), null);
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/credits").then().statusCode(200)
                .body("balances.USD", equalTo("60.00"));

        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("amount", "25.50", "currency", "USD", "reference", "in_1")).post("/v1/customers/" + cus + "/credits/consumptions")
                .then().statusCode(200).body("consumed", equalTo("25.50"))
                .body("uses.source_id", contains(promo, wallet)).body("uses.amount", contains("10.00", "15.50"));
        // a retry of the same invoice burns nothing more
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("amount", "25.50", "currency", "USD", "reference", "in_1")).post("/v1/customers/" + cus + "/credits/consumptions")
                .then().statusCode(200).body("consumed", equalTo("25.50"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/credits").then().body("balances.USD", equalTo("34.50"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/credits/ledger").then().statusCode(200)
                .body("data.reason", contains("granted", "top_up", "consumed", "consumed"))
                .body("data[3].balance_after", equalTo("34.50"));
    }

    private static io.restassured.response.ValidatableResponse consume(String cus, String amount, String reference) {
        return given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("amount", amount, "currency", "USD", "reference", reference)).post("/v1/customers/" + cus + "/credits/consumptions")
                .then().statusCode(200);
    }

    private static io.restassured.response.ValidatableResponse reverse(String token, String cus, Object body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).post("/v1/customers/" + cus + "/credits/reversals").then();
    }

    @Test
    void aReversalGivesBackExactlyWhatAReferenceConsumed_toTheSameSources_once() {
        String cus = "cus_rev_" + System.nanoTime();
        String promo = grant(cus, Map.of("kind", "promotional", "amount", "10.00", "currency", "USD", "priority", 1), null);
        String wallet = grant(cus, Map.of("kind", "prepaid", "amount", "50.00", "currency", "USD", "priority", 5), null);
        consume(cus, "25.50", "in_void").body("consumed", equalTo("25.50"));
        consume(cus, "4.00", "in_kept").body("consumed", equalTo("4.00"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/credits").then().body("balances.USD", equalTo("30.50"));

        for (int i = 0; i < 2; i++) { // the repeat answers the first reversal and restores nothing more
            reverse(Tokens.admin(), cus, Map.of("reference", "in_void")).statusCode(200)
                    .body("reference", equalTo("in_void")).body("currency", equalTo("USD"))
                    .body("consumed", equalTo("25.50")).body("restored", equalTo("25.50"))
                    .body("uses.source_id", contains(promo, wallet)).body("uses.amount", contains("10.00", "15.50"));
        }
        // in_kept stays burnt: 60.00 - 4.00
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/credits").then()
                .body("balances.USD", equalTo("56.00"))
                .body("sources.find { it.id == '" + promo + "' }.remaining", equalTo("10.00"))
                .body("sources.find { it.id == '" + wallet + "' }.remaining", equalTo("46.00"));
        // new ledger rows, nothing edited
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/credits/ledger").then().statusCode(200)
                .body("data.reason", contains("granted", "top_up", "consumed", "consumed", "consumed", "reversed", "reversed"))
                .body("data.delta", contains("10.00", "50.00", "-10.00", "-15.50", "-4.00", "10.00", "15.50"))
                .body("data[5].reference", equalTo("in_void")).body("data[6].balance_after", equalTo("46.00"));
        // the invoice id is spent: consuming under it again burns nothing
        consume(cus, "25.50", "in_void").body("consumed", equalTo("25.50"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/credits").then().body("balances.USD", equalTo("56.00"));
    }

    @Test
    void reversalEdges_nothingConsumedIsZero_unknownIs404_expiredCreditComesBackExpired_customersMayNot() {
        String cus = "cus_rev_edges_" + System.nanoTime();
        // a consumption that found no credit is still known: its reversal restores zero
        consume(cus, "12.00", "in_nothing").body("consumed", equalTo("0.00"));
        reverse(Tokens.admin(), cus, Map.of("reference", "in_nothing")).statusCode(200)
                .body("consumed", equalTo("0.00")).body("restored", equalTo("0.00")).body("uses", hasSize(0));
        reverse(Tokens.admin(), cus, Map.of("reference", "in_never")).statusCode(404).contentType("application/problem+json")
                .body("code", equalTo("NOT_FOUND"));
        reverse(Tokens.admin(), cus, Map.of()).statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("reference"));
        reverse(Tokens.alice(), "cus_demo_alice", Map.of("reference", "in_nothing")).statusCode(403);

        // a grant that expired between the burn and the reversal gets its credit back still expired
        clock.set(Instant.parse("2026-11-21T10:00:00Z"));
        String shortLived = grant(cus, Map.of("kind", "promotional", "amount", "8.00", "currency", "USD",
                "expires_at", "2026-11-25T00:00:00Z"), null);
        consume(cus, "8.00", "in_expired").body("consumed", equalTo("8.00"));
        clock.set(Instant.parse("2026-11-30T00:00:00Z"));
        reverse(Tokens.admin(), cus, Map.of("reference", "in_expired")).statusCode(200)
                .body("restored", equalTo("8.00")).body("uses[0].source_id", equalTo(shortLived))
                .body("uses[0].expires_at", equalTo("2026-11-25T00:00:00Z"));
        given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/credits").then()
                .body("sources[0].remaining", equalTo("8.00")).body("balances.USD", nullValue());
    }

    @Test
    void invalidGrantsNameTheField() {
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("kind", "free", "amount", "1.001", "currency", "USD", "expires_at", "2001-01-01T00:00:00Z"))
                .post("/v1/customers/cus_x/credits").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.hasItems("kind", "amount", "expires_at"));
    }

    @Test
    void ledgerIsAppendOnly_andCustomersSeeOnlyTheirOwn() throws Exception {
        grant("cus_demo_alice", Map.of("kind", "promotional", "amount", "5.00", "currency", "USD"), null);
        given().auth().oauth2(Tokens.alice()).get("/v1/customers/cus_demo_alice/credits").then().statusCode(200);
        given().auth().oauth2(Tokens.bob()).get("/v1/customers/cus_demo_alice/credits").then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(Map.of("kind", "promotional", "amount", "5.00", "currency", "USD")).post("/v1/customers/cus_demo_alice/credits")
                .then().statusCode(403);
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            assertThrows(java.sql.SQLException.class, () -> s.execute("DELETE FROM credit_ledger"));
        }
    }
}
