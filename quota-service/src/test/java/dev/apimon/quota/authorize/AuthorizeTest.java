package dev.apimon.quota.authorize;

import static dev.apimon.quota.support.Fixtures.quota;
import static dev.apimon.quota.support.Fixtures.rate;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;

import dev.apimon.quota.support.Fixtures;
import dev.apimon.quota.support.Fixtures.Customer;
import dev.apimon.quota.support.Fixtures.Key;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.RedisResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GET /v1/authorize answers gateways with the decision as the status code and the headers they forward. */
@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class AuthorizeTest {

    @Test
    void statusesAndHeadersForGateways() {
        Customer c = Fixtures.customer(List.of(rate("default", 3, "PT1M")), List.of(quota("api_calls", 1000, "hard")),
                List.of("GET /pets/**"), Instant.parse("2026-01-01T00:00:00Z"));
        String k = c.key().plaintext();
        given().header("Authorization", "Bearer " + k).header("X-Original-Method", "GET").header("X-Original-URI", "/pets/1?x=2")
                .get("/v1/authorize").then().statusCode(200)
                .header("X-Customer-Id", c.id()).header("X-Apimon-Code", "VALID").header("X-Apimon-Plan", c.planCode() + ":1")
                .header("X-Apimon-Key-Id", c.key().id())
                .header("RateLimit-Policy", containsString("\"default\";q=3;w=60"))
                .header("RateLimit", containsString("\"default\";r=2;t=20"))
                .header("X-RateLimit-Limit", "3").header("X-RateLimit-Remaining", "2").header("X-RateLimit-Reset", "20")
                .header("Retry-After", nullValue())
                .body("code", equalTo("VALID"));
        // Traefik style, X-API-Key
        given().header("X-API-Key", k).header("X-Forwarded-Method", "GET").header("X-Forwarded-Uri", "/pets/2")
                .get("/v1/authorize").then().statusCode(200).header("X-RateLimit-Remaining", "1");
        // Envoy ext_authz style: the original method and path appended
        given().header("Authorization", "bearer " + k).get("/v1/authorize/pets/3").then().statusCode(200)
                .header("X-RateLimit-Remaining", "0");
        given().header("Authorization", "Bearer " + k).header("X-Original-Method", "GET").header("X-Original-URI", "/pets/4")
                .get("/v1/authorize").then().statusCode(429).header("Retry-After", "20")
                .header("X-RateLimit-Remaining", "0").header("X-Apimon-Code", "RATE_LIMITED").header("X-Customer-Id", c.id());
        // not entitled (checked before limits, so even a limited key gets 403)
        given().header("Authorization", "Bearer " + k).header("X-Original-Method", "DELETE").header("X-Original-URI", "/pets/4")
                .get("/v1/authorize").then().statusCode(403).header("X-Apimon-Code", "FORBIDDEN");
        given().header("Authorization", "Bearer " + k).post("/v1/authorize/pets").then().statusCode(403);
    }

    @Test
    void aRateLimitAndAQuotaOfTheSameNameAreTwoItemsOnAuthorizeAndChecks() {
        // the plan's rate limit "default" and its quota on the meter "default": one item name would be ambiguous
        Customer c = Fixtures.customer(List.of(rate("default", 3, "PT1M")), List.of(quota("default", 1000, "hard")),
                List.of(), Instant.parse("2026-01-01T00:00:00Z"));
        String k = c.key().plaintext();
        given().header("Authorization", "Bearer " + k).header("X-Original-Method", "GET").header("X-Original-URI", "/pets/1")
                .queryParam("meter", "default").get("/v1/authorize").then().statusCode(200)
                .header("RateLimit-Policy", matchesPattern("\"default\";q=3;w=60, \"quota:default\";q=1000;w=\\d+"))
                .header("RateLimit", matchesPattern("\"default\";r=2;t=20, \"quota:default\";r=999;t=\\d+"))
                .header("X-RateLimit-Limit", "3").header("X-RateLimit-Remaining", "2");
        given().contentType(ContentType.JSON).body(Map.of("key", k, "operation", "GET /pets/2", "meter", "default"))
                .queryParam("headers", true).post("/v1/checks").then().statusCode(200)
                .header("RateLimit-Policy", matchesPattern("\"default\";q=3;w=60, \"quota:default\";q=1000;w=\\d+"))
                .header("RateLimit", matchesPattern("\"default\";r=1;t=\\d+, \"quota:default\";r=998;t=\\d+"))
                .header("X-RateLimit-Limit", "3").header("X-RateLimit-Remaining", "1");
    }

    @Test
    void envoyPathsAreDecodedOnceAsTheUpstreamDecodesThem() {
        Customer c = Fixtures.customer(List.of(), List.of(), List.of("GET /pets/**"), Instant.parse("2026-01-01T00:00:00Z"));
        String k = c.key().plaintext();
        // the upstream decodes "%252e%252e" once, to the ordinary segment "%2e%2e" under /admin: never "..", so this
        // is a request under /admin, not one under /pets
        given().urlEncodingEnabled(false).header("Authorization", "Bearer " + k).get("/v1/authorize/admin/%252e%252e/pets/x")
                .then().statusCode(403).header("X-Apimon-Code", "FORBIDDEN");
        given().urlEncodingEnabled(false).header("Authorization", "Bearer " + k).get("/v1/authorize/pets/%2e%2e/admin/x")
                .then().statusCode(403);
        given().urlEncodingEnabled(false).header("Authorization", "Bearer " + k).get("/v1/authorize/pets/caf%C3%A9")
                .then().statusCode(200).header("X-Apimon-Code", "VALID");
    }

    @Test
    void badKeysAre401WithAChallenge_suspendedIs403_missingOperationIs400() {
        Customer c = Fixtures.customer(List.of(), List.of(), List.of(), Instant.parse("2026-01-01T00:00:00Z"));
        given().header("X-Original-Method", "GET").header("X-Original-URI", "/pets").get("/v1/authorize")
                .then().statusCode(401).header("WWW-Authenticate", containsString("Bearer")).header("X-Apimon-Code", "INVALID_KEY");
        given().header("Authorization", "Bearer sk_live_bogus").header("X-Original-URI", "/pets").get("/v1/authorize")
                .then().statusCode(401).header("WWW-Authenticate", containsString("invalid_token"));
        Key revoked = Fixtures.newKey("live").revoked(Instant.now());
        Key expired = Fixtures.newKey("live").expiring(Instant.now().minusSeconds(60));
        Fixtures.keys(c.id(), "com.apimon.key.revoked", c.key(), revoked, expired);
        Fixtures.awaitCode(revoked.plaintext(), "GET /pets", "REVOKED");
        given().header("Authorization", "Bearer " + revoked.plaintext()).header("X-Original-URI", "/pets").get("/v1/authorize")
                .then().statusCode(401).header("X-Apimon-Code", "REVOKED");
        given().header("X-API-Key", expired.plaintext()).header("X-Original-URI", "/pets").get("/v1/authorize")
                .then().statusCode(401).header("X-Apimon-Code", "EXPIRED").header("WWW-Authenticate", containsString("invalid_token"));
        Fixtures.subscription(c.id(), c.planCode(), 1, "suspended", Instant.parse("2026-01-01T00:00:00Z"));
        Fixtures.awaitCode(c.key().plaintext(), "GET /pets", "SUSPENDED");
        given().header("Authorization", "Bearer " + c.key().plaintext()).header("X-Original-URI", "/pets").get("/v1/authorize")
                .then().statusCode(403).header("X-Apimon-Code", "SUSPENDED");
        given().header("Authorization", "Bearer " + c.key().plaintext()).get("/v1/authorize")
                .then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void costAndMeterComeFromTheGatewayConfiguredQuery() {
        Customer c = Fixtures.customer(List.of(), List.of(quota("images", 5, "hard")), List.of(), Instant.parse("2026-01-01T00:00:00Z"));
        given().header("Authorization", "Bearer " + c.key().plaintext()).header("X-Original-Method", "POST")
                .header("X-Original-URI", "/images").queryParam("meter", "images").queryParam("cost", 4)
                .get("/v1/authorize").then().statusCode(200).header("RateLimit", containsString("\"images\";r=1;"));
        given().header("Authorization", "Bearer " + c.key().plaintext()).header("X-Original-Method", "POST")
                .header("X-Original-URI", "/images").queryParam("meter", "images").queryParam("cost", 2)
                .get("/v1/authorize").then().statusCode(429).header("X-Apimon-Code", "QUOTA_EXCEEDED");
        // more than the whole hard quota: never allowed, so 403 like an operation the plan does not include, not a
        // 429 to retry forever
        given().header("Authorization", "Bearer " + c.key().plaintext()).header("X-Original-Method", "POST")
                .header("X-Original-URI", "/images").queryParam("meter", "images").queryParam("cost", 6)
                .get("/v1/authorize").then().statusCode(403).header("X-Apimon-Code", "FORBIDDEN").header("Retry-After", nullValue());
    }

    @Test
    void envoyTakesCostAndMeterFromItsOwnHeadersNeverFromTheClientQuery() {
        Customer c = Fixtures.customer(List.of(), List.of(quota("api_calls", 2, "hard"), quota("images", 5, "hard")), List.of(),
                Instant.parse("2026-01-01T00:00:00Z"));
        String k = "Bearer " + c.key().plaintext();
        // Envoy appends the client's path AND query: "?cost=0" would be a free peek, "?meter=x" a quota dodge
        given().header("Authorization", k).get("/v1/authorize/pets?cost=0&meter=images&record=maybe").then().statusCode(200)
                .header("RateLimit", containsString("\"api_calls\";r=1;"));
        given().header("Authorization", k).get("/v1/authorize/pets?cost=0").then().statusCode(200);
        given().header("Authorization", k).get("/v1/authorize/pets?cost=0").then().statusCode(429)
                .header("X-Apimon-Code", "QUOTA_EXCEEDED");
        // what the Envoy configuration adds (authorization_request.headers_to_add) does count
        given().header("Authorization", k).header("X-Apimon-Meter", "images").header("X-Apimon-Cost", "4")
                .post("/v1/authorize/images").then().statusCode(200).header("RateLimit", containsString("\"images\";r=1;"));
        given().header("Authorization", k).header("X-Apimon-Meter", "images").header("X-Apimon-Cost", "2")
                .post("/v1/authorize/images").then().statusCode(429);
        given().header("Authorization", k).header("X-Apimon-Cost", "lots").get("/v1/authorize/pets").then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("X-Apimon-Cost"));
        // OPTIONS is a request like any other: no key, no pass (the framework's automatic 200 would let it through)
        given().options("/v1/authorize/pets").then().statusCode(401);
        given().header("Authorization", "Bearer " + Fixtures.customer(List.of(), List.of(), List.of("GET /pets/**"),
                Instant.parse("2026-01-01T00:00:00Z")).key().plaintext()).options("/v1/authorize/pets").then().statusCode(403);
    }

    @Test
    void badGatewayQueryParametersAreA400NamingTheParameter() {
        Customer c = Fixtures.customer(List.of(), List.of(), List.of(), Instant.parse("2026-01-01T00:00:00Z"));
        given().header("Authorization", "Bearer " + c.key().plaintext()).header("X-Original-URI", "/pets").queryParam("cost", "abc")
                .get("/v1/authorize").then().statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo("cost"));
        given().header("Authorization", "Bearer " + c.key().plaintext()).header("X-Original-URI", "/pets").queryParam("record", "maybe")
                .get("/v1/authorize").then().statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo("record"));
    }
}
