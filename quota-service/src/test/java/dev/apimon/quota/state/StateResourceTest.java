package dev.apimon.quota.state;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.RedisResource;
import dev.apimon.testinfra.Tokens;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class StateResourceTest {
    @Inject
    RedisDataSource redis;

    @Test
    void adminSeesTheRealRedisKeyCount_customerIsForbidden() {
        redis.execute("FLUSHDB");
        redis.value(String.class).set("rl:test:a", "1");
        redis.value(String.class).set("rl:test:b", "2");
        given().auth().oauth2(Tokens.admin()).get("/v1/state").then().statusCode(200).body("redis_keys", equalTo(2));
        given().auth().oauth2(Tokens.alice()).get("/v1/state").then().statusCode(403);
        given().get("/v1/state").then().statusCode(401);
    }
}
