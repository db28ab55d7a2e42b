package dev.apimon.portal.me;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class MeResourceTest {

    @Test
    void bearerTokenOfACustomerCarriesItsCustomerId() {
        given().auth().oauth2(Tokens.alice()).get("/api/me").then().statusCode(200)
                .body("username", equalTo("alice")).body("customer_id", equalTo("cus_demo_alice"))
                .body("roles", hasItem("customer"));
        given().auth().oauth2(Tokens.bob()).get("/api/me").then().statusCode(200)
                .body("customer_id", equalTo("cus_demo_bob"));
    }

    @Test
    void adminHasNoCustomerBinding() {
        given().auth().oauth2(Tokens.admin()).get("/api/me").then().statusCode(200)
                .body("customer_id", nullValue()).body("roles", hasItem("platform-admin"));
    }

    @Test
    void scriptRequestWithoutSessionAnswers499_notARedirectFetchCannotFollow() {
        given().redirects().follow(false).header("X-Requested-With", "JavaScript").get("/api/me/spend").then().statusCode(499);
        given().redirects().follow(false).header("X-Requested-With", "JavaScript").get("/api/me").then().statusCode(499);
    }

    @Test
    void browserWithoutSessionIsSentToKeycloak() {
        given().redirects().follow(false).get("/api/me").then().statusCode(302)
                .header("Location", org.hamcrest.Matchers.startsWith(KeycloakResource.issuer() + "/protocol/openid-connect/auth"));
    }
}
