package dev.apimon.invoice.invoices;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import dev.apimon.invoice.support.StandIns;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Listing and access rules, on seeded rows (other tests of the module share the database, so only these rows are asserted). */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(StandIns.class)
class InvoiceResourceTest {
    @Inject
    AgroalDataSource db;

    @BeforeEach
    void seed() throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM invoices WHERE id IN ('in_a1', 'in_b1')");
            s.execute("INSERT INTO invoices VALUES "
                    + "('in_a1','SEED-A1','cus_demo_alice','finalized','USD','2020-10-01T00:00Z','2020-11-01T00:00Z',74,0,100,now()),"
                    + "('in_b1','SEED-B1','cus_demo_bob','paid','USD','2020-10-01T00:00Z','2020-11-01T00:00Z',49,0,49,now())");
        }
    }

    @Test
    void customerSeesOnlyItsOwnInvoices() {
        given().auth().oauth2(Tokens.alice()).get("/v1/invoices").then().statusCode(200)
                .body("data.id", hasItem("in_a1")).body("data.id", not(hasItem("in_b1")))
                .body("data.customer_id", everyItem(equalTo("cus_demo_alice")))
                .body("data.find { it.id == 'in_a1' }.total", equalTo("100.00"))
                .body("data.find { it.id == 'in_a1' }.subtotal", equalTo("74.00"));
        given().auth().oauth2(Tokens.alice()).get("/v1/invoices?customer_id=cus_demo_bob").then().statusCode(403);
        given().auth().oauth2(Tokens.alice()).get("/v1/invoices/in_b1").then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(Tokens.alice()).get("/v1/invoices/in_a1").then().statusCode(200).body("number", equalTo("SEED-A1"));
    }

    @Test
    void adminSeesEveryoneAndFilters() {
        given().auth().oauth2(Tokens.admin()).get("/v1/invoices?limit=500").then().statusCode(200).body("data.id", hasItems("in_a1", "in_b1"));
        given().auth().oauth2(Tokens.admin()).get("/v1/invoices?status=paid&customer_id=cus_demo_bob").then().statusCode(200)
                .body("data.id", hasItem("in_b1")).body("data.status", everyItem(equalTo("paid")));
        given().auth().oauth2(Tokens.admin()).get("/v1/invoices?status=paid&customer_id=cus_demo_alice").then().statusCode(200)
                .body("data.id", not(hasItem("in_a1")));
        var first = given().auth().oauth2(Tokens.admin()).get("/v1/invoices?limit=1").then().statusCode(200)
                .body("data", hasSize(1)).extract().jsonPath();
        given().auth().oauth2(Tokens.admin()).get("/v1/invoices?limit=1").then()
                .body("next_cursor", equalTo(first.getString("data[0].id")));
        given().auth().oauth2(Tokens.admin()).get("/v1/invoices?status=bogus").then().statusCode(400)
                .body("errors[0].field", equalTo("status"));
    }

    @Test
    void anonymousIs401() {
        given().get("/v1/invoices").then().statusCode(401);
    }
}
