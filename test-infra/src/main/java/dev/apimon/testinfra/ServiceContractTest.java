package dev.apimon.testinfra;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import org.junit.jupiter.api.Test;

/**
 * What every service exposes (extend it in a {@code @QuarkusTest}): readiness UP against the real dependencies
 * it names, liveness, Prometheus metrics, OpenAPI, and problem+json for unknown paths.
 */
public abstract class ServiceContractTest {

    /** Names of the readiness checks that must be UP, e.g. the database, Kafka, Redis, the OIDC provider. */
    protected abstract String[] readinessChecks();

    @Test
    void readinessIsUpWithEveryDependencyChecked() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems(readinessChecks()));
    }

    @Test
    void livenessIsUp() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void prometheusMetricsAreExposed() {
        given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }

    @Test
    void openApiDescribesTheV1Api() {
        given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .body("openapi", org.hamcrest.Matchers.startsWith("3."));
    }

    @Test
    void unknownPathIsAProblemJson404() {
        given().auth().oauth2(Tokens.admin()).get("/v1/does-not-exist").then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404));
    }
}
