package dev.apimon.quota;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.RedisResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Redis going away makes the pod unready with a reason (no crash), and it recovers without a restart. */
@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class RedisOutageReadinessTest {

    @Test
    void readinessFollowsRedis() {
        given().get("/q/health/ready").then().statusCode(200);
        RedisResource.stopServer();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    given().get("/q/health/ready").then().statusCode(503)
                            .body("status", equalTo("DOWN"))
                            .body("checks.findAll { it.status == 'DOWN' }.name", hasItem("Redis connection health check")));
            given().get("/q/health/live").then().statusCode(200);
        } finally {
            RedisResource.startServer();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP")));
    }
}
