package dev.apimon.quota.limits;

import static dev.apimon.quota.support.Fixtures.quota;
import static dev.apimon.quota.support.Fixtures.rate;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.platform.keys.ApiKeys;
import dev.apimon.quota.support.Fixtures;
import dev.apimon.quota.support.Fixtures.Customer;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.RedisResource;
import dev.apimon.testinfra.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Redis stopped (and hung) during checks, with the production time budget and a mixed policy: rate limits fail
 * open (local limiter), quotas fail closed. Every answer comes within 50 ms, per policy; when Redis is back the
 * service answers from Redis again without a restart.
 */
@QuarkusTest
@TestProfile(RedisOutageTest.MixedPolicy.class)
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class RedisOutageTest {
    static final long BUDGET_MS = 50;
    /** One outlier (a GC pause in the shared JVM, a descheduled thread) is tolerated up to this. */
    static final long OUTLIER_MS = 250;

    public static class MixedPolicy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("apimon.quota.redis.timeout", "20ms",
                    "apimon.quota.failure.rate", "open",
                    "apimon.quota.failure.quota", "closed");
        }
    }

    @TestHTTPResource("/v1/checks")
    URI checks;

    @TestHTTPResource("/v1/authorize")
    URI authorize;

    /** millis: seen by the client; serverMillis: the service's own time (Server-Timing). */
    record Answer(int status, JsonNode body, long millis, double serverMillis, Optional<String> retryAfter) {
        String code() {
            return body.path("code").asText();
        }

        boolean degraded() {
            return body.path("degraded").asBoolean(false);
        }
    }

    Answer check(String key, String op) throws Exception {
        byte[] body = Fixtures.JSON.writeValueAsBytes(Map.of("key", key, "operation", op));
        return call(checks, Map.of("Content-Type", "application/json"), body);
    }

    Answer authorize(String key, String uri) throws Exception {
        return call(authorize, Map.of("Authorization", "Bearer " + key, "X-Original-Method", "GET", "X-Original-URI", uri), null);
    }

    /**
     * One request as a gateway makes it: blocking, on this thread, over a kept-alive connection. (The JDK's
     * HttpClient hands every request between its own threads; on a loaded CI host that alone read 7 ms at the median
     * while the service answered in 0.8 ms.)
     */
    private static Answer call(URI uri, Map<String, String> headers, byte[] body) throws Exception {
        long t0 = System.nanoTime();
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(5000);
        headers.forEach(c::setRequestProperty);
        if (body != null) {
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(body.length);
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
        }
        int status = c.getResponseCode();
        byte[] answer = new byte[0];
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            if (in != null) {
                answer = in.readAllBytes(); // read to the end, so the connection is kept for the next request
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String timing = c.getHeaderField("Server-Timing");
        return new Answer(status, Fixtures.JSON.readTree(answer), ms, Double.parseDouble(timing.substring(timing.indexOf("dur=") + 4)),
                Optional.ofNullable(c.getHeaderField("Retry-After")));
    }

    @Test
    void everyAnswerWithinBudgetPerPolicyThenRecovery() throws Exception {
        Instant anchor = Instant.parse("2026-01-01T00:00:00Z");
        Customer rateOnly = Fixtures.customer(List.of(rate("default", 5, "PT1H")), List.of(), List.of(), anchor);
        Customer withQuota = Fixtures.customer(List.of(), List.of(quota("api_calls", 1000, "hard")), List.of(), anchor);
        Customer unlimited = Fixtures.customer(List.of(), List.of(), List.of(), anchor);
        String unknown = ApiKeys.generate("live");
        // warm the path (JIT, pool), then use 2 of the rate-only customer's 5 in Redis
        Customer warm = Fixtures.customer(List.of(rate("default", 1_000_000, "PT1M")), List.of(), List.of(), anchor);
        for (int i = 0; i < 300; i++) {
            check(warm.key().plaintext(), "GET /w");
        }
        // a warm-up check that missed the budget on a loaded machine was decided by the local limiter and took one
        // of its 5: this replica's own count during the outage starts from there
        int localTaken = awaitRedisDecides(rateOnly) + awaitRedisDecides(rateOnly);
        awaitRedisDecides(withQuota);

        String m0 = metrics();
        RedisResource.stopServer();
        List<Answer> during = new ArrayList<>();
        try {
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < end) {
                during.add(check(rateOnly.key().plaintext(), "GET /a"));
                during.add(check(withQuota.key().plaintext(), "GET /b"));
                during.add(check(unlimited.key().plaintext(), "GET /c"));
                during.add(check(unknown, "GET /d"));
                during.add(authorize(withQuota.key().plaintext(), "/b"));
            }
            assertWithinBudget(during);
            // rate limits fail open to the local limiter: 5 per hour here, then limited (this replica's own count)
            List<Answer> a = every(during, 0);
            assertTrue(a.stream().allMatch(Answer::degraded), "decided without Redis");
            assertEquals(5 - localTaken, a.stream().filter(x -> x.code().equals("VALID")).count(), "local limiter allows the limit");
            assertTrue(a.stream().skip(5 - localTaken).allMatch(x -> x.code().equals("RATE_LIMITED")));
            // quotas fail closed: answered as a retryable limit
            List<Answer> b = every(during, 1);
            assertTrue(b.stream().allMatch(x -> x.code().equals("RATE_LIMITED") && x.degraded()
                    && x.body().path("retry_after_seconds").asInt() == 1), "quota checks fail closed");
            // nothing to count: allowed; unknown key: refused as always
            assertTrue(every(during, 2).stream().allMatch(x -> x.code().equals("VALID")));
            assertTrue(every(during, 3).stream().allMatch(x -> x.code().equals("INVALID_KEY")));
            assertTrue(every(during, 4).stream().allMatch(x -> x.status() == 429 && x.retryAfter().equals(Optional.of("1"))));
            // the operator's view still answers, saying what Redis did
            given().auth().oauth2(Tokens.admin()).get("/v1/state").then().statusCode(200).body("redis_keys", nullValue())
                    .body("redis_error", notNullValue()).body("view.keys", greaterThan(0));
        } finally {
            RedisResource.startServer();
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> !check(withQuota.key().plaintext(), "GET /b").degraded());
        Answer back = check(withQuota.key().plaintext(), "GET /b");
        assertEquals("VALID", back.code());
        assertTrue(back.body().path("limits").get(0).path("used").asLong() >= 1);

        // a hung Redis (process stopped, connections open): the time budget and the circuit answer for it
        String m1 = metrics();
        // each kind of failure and each policy's decisions were counted (deltas: the counters exist from the start)
        assertTrue(counter(m1, "apimon_quota_redis_failures_total{reason=\"error\"}") > counter(m0, "apimon_quota_redis_failures_total{reason=\"error\"}"));
        assertTrue(counter(m1, "apimon_quota_degraded_decisions_total{policy=\"open\"}") > counter(m0, "apimon_quota_degraded_decisions_total{policy=\"open\"}"));
        assertTrue(counter(m1, "apimon_quota_degraded_decisions_total{policy=\"closed\"}") > counter(m0, "apimon_quota_degraded_decisions_total{policy=\"closed\"}"));
        RedisResource.pauseServer();
        List<Answer> hung = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                hung.add(check(withQuota.key().plaintext(), "GET /b"));
                hung.add(check(unlimited.key().plaintext(), "GET /c"));
            }
        } finally {
            RedisResource.resumeServer();
        }
        assertWithinBudget(hung);
        assertTrue(every(hung, 0, 2).stream().allMatch(x -> x.code().equals("RATE_LIMITED") && x.degraded()));
        assertTrue(every(hung, 1, 2).stream().allMatch(x -> x.code().equals("VALID")));
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> !check(withQuota.key().plaintext(), "GET /b").degraded());

        String m2 = metrics();
        assertTrue(counter(m2, "apimon_quota_redis_failures_total{reason=\"timeout\"}") > counter(m1, "apimon_quota_redis_failures_total{reason=\"timeout\"}"),
                "a hung Redis misses the budget");
        assertTrue(counter(m2, "apimon_quota_redis_failures_total{reason=\"no_answer\"}") > counter(m1, "apimon_quota_redis_failures_total{reason=\"no_answer\"}"),
                "and is found not answering");
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static double counter(String metrics, String series) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError(series + " is not exported");
    }

    /** Checks until Redis decides one (not degraded); returns how many were allowed by the local limiter meanwhile. */
    private int awaitRedisDecides(Customer c) {
        int[] local = {0};
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            Answer a = check(c.key().plaintext(), "GET /a");
            if (a.code().equals("VALID") && a.degraded()) {
                local[0]++;
            }
            return a.code().equals("VALID") && !a.degraded();
        });
        return local[0];
    }

    /**
     * In the service's own time (Server-Timing) and at the client alike: at most one answer in a hundred (and at
     * least one allowed) beyond the budget, and none beyond a wider bound. One GC pause or a descheduled event loop
     * says nothing about the policy — CI runs on a starved host (load 3.8 and 4.6 on 2 cores) each had one answer at
     * 70-95 ms in the service, which with 80 answers was their 99th percentile — while a missing budget would show
     * as Redis's own multi-second timeouts on every answer, far above either bound. When the machine is overloaded
     * (load above twice its cores) client-side times are printed, not asserted.
     */
    private static void assertWithinBudget(List<Answer> answers) throws Exception {
        assertTrue(answers.size() > 20, "checks were made: " + answers.size());
        assertTrue(answers.stream().allMatch(a -> a.status() == 200 || a.status() == 429),
                "no errors: " + answers.stream().map(Answer::status).distinct().toList());
        int allowed = Math.max(1, answers.size() / 100);
        double[] server = answers.stream().mapToDouble(Answer::serverMillis).sorted().toArray();
        long[] client = answers.stream().mapToLong(Answer::millis).sorted().toArray();
        long serverOver = Arrays.stream(server).filter(ms -> ms >= BUDGET_MS).count();
        long clientOver = Arrays.stream(client).filter(ms -> ms >= BUDGET_MS).count();
        double load = Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0]);
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("%d answers: in the service median %.1f ms, %d over %d ms, slowest %.1f ms; at the client median %d ms,"
                        + " %d over, slowest %d ms (load %.1f on %d cores)%n", answers.size(), server[server.length / 2], serverOver,
                BUDGET_MS, server[server.length - 1], client[client.length / 2], clientOver, client[client.length - 1], load, cores);
        assertTrue(serverOver <= allowed, serverOver + " answers over " + BUDGET_MS + " ms in the service (allowed " + allowed + ")");
        assertTrue(server[server.length - 1] < OUTLIER_MS, "slowest answer took " + server[server.length - 1] + " ms in the service");
        if (load <= 2.0 * cores) {
            assertTrue(clientOver <= allowed, clientOver + " answers over " + BUDGET_MS + " ms at the client (allowed " + allowed + ")");
            assertTrue(client[client.length - 1] < OUTLIER_MS, "slowest answer " + client[client.length - 1] + " ms at the client");
        } else {
            System.out.printf("client-side bound not asserted: load %.1f on %d cores%n", load, cores);
        }
    }

    private static List<Answer> every(List<Answer> all, int offset) {
        return every(all, offset, 5);
    }

    private static List<Answer> every(List<Answer> all, int offset, int step) {
        List<Answer> out = new ArrayList<>();
        for (int i = offset; i < all.size(); i += step) {
            out.add(all.get(i));
        }
        return out;
    }
}
