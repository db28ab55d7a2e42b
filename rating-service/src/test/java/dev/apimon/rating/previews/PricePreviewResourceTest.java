package dev.apimon.rating.previews;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.apimon.rating.TestPlans;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class PricePreviewResourceTest {

    private static Map<String, Object> contractPlan() {
        Map<String, Object> plan = new HashMap<>(TestPlans.pro("pro"));
        plan.put("charges", List.of(((List<?>) plan.get("charges")).get(0)));
        return plan;
    }

    @Test
    void theArchitectureExampleExactly() {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(Map.of("plan", contractPlan(), "usage", Map.of("api_calls", "15000", "images", "12")))
                .post("/v1/price-previews").then().statusCode(200)
                .body("currency", equalTo("USD"))
                .body("lines.size()", equalTo(2))
                .body("lines[0].type", equalTo("fee")).body("lines[0].description", equalTo("Pro monthly fee"))
                .body("lines[0].amount", equalTo("49.00")).body("lines[0].containsKey('meter')", equalTo(false))
                .body("lines[1].type", equalTo("usage")).body("lines[1].meter", equalTo("api_calls"))
                .body("lines[1].quantity", equalTo("15000")).body("lines[1].amount", equalTo("25.00"))
                .body("subtotal", equalTo("74.00")).body("discount", equalTo("0.00")).body("credits_applied", equalTo("0.00"))
                .body("minimum_commitment_true_up", equalTo("26.00")).body("total", equalTo("100.00"));
    }

    @Test
    void aCatalogPlanByReference_andDraftsAreHiddenFromCustomers() {
        String code = "ref-" + System.nanoTime();
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(TestPlans.pro(code)).post("/v1/plans").then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(Map.of("plan", Map.of("code", code, "version", 1), "usage", Map.of("api_calls", "9000")))
                .post("/v1/price-previews").then().statusCode(400).body("errors[0].field", equalTo("plan.version"));
        given().auth().oauth2(Tokens.admin()).post("/v1/plans/" + code + "/versions/1/publish").then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(Map.of("plan", Map.of("code", code), "usage", Map.of("api_calls", "10001", "images", "3")))
                .post("/v1/price-previews").then().statusCode(200)
                .body("lines[1].amount", equalTo("0.01")).body("lines[2].amount", equalTo("0.30"))
                .body("subtotal", equalTo("49.31")).body("minimum_commitment_true_up", equalTo("50.69")).body("total", equalTo("100.00"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(Map.of("plan", Map.of("code", "nope-" + code), "usage", Map.of()))
                .post("/v1/price-previews").then().statusCode(400).body("errors[0].field", equalTo("plan.code"));
    }

    @Test
    void badUsageAndBadPlansNameTheField() {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(Map.of("plan", contractPlan(), "usage", Map.of("api_calls", "lots", "images", "-1")))
                .post("/v1/price-previews").then().statusCode(400)
                .body("errors.field", hasItem("usage.api_calls")).body("errors.field", hasItem("usage.images"));
        // one short token that would be a hundred million digits in the first multiplication: refused, not computed
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(Map.of("plan", contractPlan(), "usage", Map.of("api_calls", "1e100000000")))
                .post("/v1/price-previews").then().statusCode(400).body("errors[0].field", equalTo("usage.api_calls"));
        Map<String, Object> bad = new HashMap<>(contractPlan());
        bad.put("currency", "ZZZ");
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(Map.of("plan", bad, "usage", Map.of()))
                .post("/v1/price-previews").then().statusCode(400).body("errors[0].field", equalTo("plan.currency"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(Map.of("usage", Map.of()))
                .post("/v1/price-previews").then().statusCode(400).body("errors[0].field", equalTo("plan"));
    }

    @Test
    void withCustomerIdCreditsDiscountsAndOverridesApply() {
        String cus = "cus_prev_" + System.nanoTime();
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("kind", "prepaid", "amount", "30.00", "currency", "USD")).post("/v1/customers/" + cus + "/credits")
                .then().statusCode(201);
        String coupon = "TEN" + (System.nanoTime() % 100000);
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("code", coupon, "percent", "10", "duration_periods", 3)).post("/v1/coupons").then().statusCode(201);
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("coupon", coupon))
                .post("/v1/customers/" + cus + "/discounts").then().statusCode(201);
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("model", "per_unit", "unit_amount", "0.004")).put("/v1/customers/" + cus + "/price-overrides/api_calls")
                .then().statusCode(200);
        Map<String, Object> plan = new HashMap<>(contractPlan());
        plan.put("minimum_commitment", "0");
        // fee 49.00 + 20000 × 0.004 = 80.00 → subtotal 129.00, discount 12.90, credits 30.00 → total 86.10
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("plan", plan, "usage", Map.of("api_calls", "20000"), "customer_id", cus))
                .post("/v1/price-previews").then().statusCode(200)
                .body("lines[1].amount", equalTo("80.00")).body("subtotal", equalTo("129.00")).body("discount", equalTo("12.90"))
                .body("credits_applied", equalTo("30.00")).body("total", equalTo("86.10"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(Map.of("plan", plan, "usage", Map.of(), "customer_id", cus))
                .post("/v1/price-previews").then().statusCode(404);
    }
}
