package dev.apimon.rating.credits;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class CreditResourceTest {
    @Inject
    AgroalDataSource db;

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
