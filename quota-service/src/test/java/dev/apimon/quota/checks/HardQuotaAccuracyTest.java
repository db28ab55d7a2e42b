package dev.apimon.quota.checks;

import static dev.apimon.quota.support.Fixtures.peek;
import static dev.apimon.quota.support.Fixtures.quota;
import static dev.apimon.quota.support.Fixtures.rate;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.quota.support.Fixtures;
import dev.apimon.quota.support.Fixtures.Customer;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.RedisResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A hard quota of N under 256 concurrent clients: exactly N checks are allowed, never N + 1. */
@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class HardQuotaAccuracyTest {
    static final int CLIENTS = 256;
    static final int CHECKS_PER_CLIENT = 6;
    static final int QUOTA = 500;

    @TestHTTPResource("/v1/checks")
    URI checks;

    @Test
    void exactlyNAllowedUnder256ConcurrentClients() throws Exception {
        Customer c = Fixtures.customer(List.of(rate("default", 1_000_000, "PT1M")), List.of(quota("api_calls", QUOTA, "hard")),
                List.of("GET /pets/**"), Instant.parse("2026-01-01T00:00:00Z"));
        String body = Fixtures.JSON.writeValueAsString(Map.of("key", c.key().plaintext(), "operation", "GET /pets/1"));
        AtomicInteger allowed = new AtomicInteger();
        AtomicInteger exceeded = new AtomicInteger();
        Map<String, Integer> other = new ConcurrentHashMap<>();
        // 256 concurrent clients, each sending its checks one after another on its own connection; asynchronous so
        // the test JVM (which also runs the service) does not add hundreds of threads to two busy cores
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        warmUp(http);
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (int j = 0; j < CHECKS_PER_CLIENT; j++) {
                chain = chain.thenCompose(x -> http.sendAsync(HttpRequest.newBuilder(checks).timeout(Duration.ofSeconds(60))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
                        .thenAccept(r -> {
                            JsonNode d;
                            try {
                                d = Fixtures.JSON.readTree(r.body());
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            String code = r.statusCode() + ":" + d.path("code").asText() + (d.path("degraded").asBoolean() ? ":degraded" : "");
                            if (code.equals("200:VALID")) {
                                allowed.incrementAndGet();
                            } else if (code.equals("200:QUOTA_EXCEEDED")) {
                                exceeded.incrementAndGet();
                            } else {
                                other.merge(code, 1, Integer::sum);
                            }
                        }));
            }
            clients.add(chain);
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        assertEquals(Map.of(), other, "every answer is a Redis-backed VALID or QUOTA_EXCEEDED");
        assertEquals(QUOTA, allowed.get());
        assertEquals(CLIENTS * CHECKS_PER_CLIENT - QUOTA, exceeded.get());
        peek(c.key().plaintext(), "GET /pets/1").then().body("limits[1].used", org.hamcrest.Matchers.equalTo(QUOTA));
    }

    /** JIT-compiles the check path and fills the Redis pool (another customer), as any running service is. */
    private void warmUp(HttpClient http) throws Exception {
        Customer other = Fixtures.customer(List.of(rate("default", 1_000_000, "PT1M")), List.of(quota("api_calls", 1_000_000, "hard")),
                List.of(), Instant.parse("2026-01-01T00:00:00Z"));
        String body = Fixtures.JSON.writeValueAsString(Map.of("key", other.key().plaintext(), "operation", "GET /pets/1"));
        for (int round = 0; round < 20; round++) {
            List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                batch.add(http.sendAsync(HttpRequest.newBuilder(checks).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
    }
}
