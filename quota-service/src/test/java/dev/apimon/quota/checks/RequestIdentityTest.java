package dev.apimon.quota.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimon.platform.keys.ApiKeys;
import dev.apimon.quota.checks.domain.CheckCommand;
import dev.apimon.quota.checks.domain.CheckEngine;
import dev.apimon.quota.checks.domain.KeyHasher;
import dev.apimon.quota.limits.domain.Entitlements;
import dev.apimon.quota.limits.domain.Gcra;
import dev.apimon.quota.limits.domain.Operation;
import dev.apimon.quota.limits.domain.QuotaSpec;
import dev.apimon.quota.limits.domain.RateLimitSpec;
import dev.apimon.quota.view.domain.KeyRecord;
import dev.apimon.quota.view.domain.PlanDefinition;
import dev.apimon.quota.view.domain.PlanRef;
import dev.apimon.quota.view.domain.QuotaView;
import dev.apimon.quota.view.domain.SubscriptionRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which recorded checks share a request-id marker (a retry: answered as a duplicate, nothing consumed) and which are
 * requests of their own: the marker names the whole check - customer, env, the usage events' source, key,
 * operation, meter and cost - not the request id alone.
 */
class RequestIdentityTest {
    static final String PEPPER = "test-pepper-0123456789";
    static final Instant NOW = Instant.parse("2026-03-10T00:00:00Z");
    static final String ALICE_1 = ApiKeys.generate("live");
    static final String ALICE_2 = ApiKeys.generate("live");
    static final String BOB = ApiKeys.generate("live");
    static final QuotaView VIEW = new QuotaView();

    static {
        KeyHasher hasher = new KeyHasher(PEPPER);
        VIEW.markLoaded();
        VIEW.replaceKeys("cus_alice", List.of(
                new KeyRecord("key_a1", "cus_alice", hasher.hash(ALICE_1), "live", Entitlements.UNRESTRICTED_SCOPES, null, null),
                new KeyRecord("key_a2", "cus_alice", hasher.hash(ALICE_2), "live", Entitlements.UNRESTRICTED_SCOPES, null, null)));
        VIEW.replaceKeys("cus_bob", List.of(
                new KeyRecord("key_b1", "cus_bob", hasher.hash(BOB), "live", Entitlements.UNRESTRICTED_SCOPES, null, null)));
        for (String c : List.of("cus_alice", "cus_bob")) {
            VIEW.putSubscription(new SubscriptionRecord(c, "sub_" + c, new PlanRef("pro", 1), "active",
                    Instant.parse("2026-01-01T00:00:00Z"), null, null, null, null));
        }
        VIEW.putPlan(new PlanDefinition(new PlanRef("pro", 1), "published", List.of(new RateLimitSpec("default", Gcra.of(100, 60_000_000L))),
                Map.of("api_calls", new QuotaSpec("api_calls", 1000, true), "images", new QuotaSpec("images", 1000, true)),
                Entitlements.ofPlan(null, x -> { })));
    }

    static String marker(String source, String key, String operation, String meter, long cost, boolean record, String requestId) {
        CheckEngine engine = new CheckEngine(VIEW, new KeyHasher(PEPPER)::hash, k -> ApiKeys.envOf(k).orElse(null), source);
        CheckCommand cmd = new CheckCommand(key, operation, cost, meter, record, requestId, "api.request", null);
        return ((CheckEngine.Limited) engine.prepare(cmd, Operation.parse(operation), NOW)).request().idempotencyKey();
    }

    static String marker(String key, String operation, String meter, long cost) {
        return marker("quota-service", key, operation, meter, cost, true, "req-1");
    }

    @Test
    void aRetryOfTheSameCheckHasTheSameMarker() {
        String first = marker(ALICE_1, "GET /pets/42", "api_calls", 1);
        assertEquals(first, marker(ALICE_1, "GET /pets/42", "api_calls", 1));
        // the operation as checks match it (query ignored, path normalized), as the recorded endpoint is
        assertEquals(first, marker(ALICE_1, "GET /pets/./42?page=2", "api_calls", 1));
        assertTrue(first.startsWith("apimon:rq:{cus_alice}:live:req-1:"), "the customer's hash tag, env and id stay readable: " + first);
    }

    @Test
    void theSameIdInAnyOtherCheckIsAnotherRequest() {
        String first = marker(ALICE_1, "GET /pets/42", "api_calls", 1);
        List<String> others = List.of(
                marker(BOB, "GET /pets/42", "api_calls", 1),            // another customer
                marker(ALICE_2, "GET /pets/42", "api_calls", 1),        // another key of the same customer
                marker(ALICE_1, "GET /pets/43", "api_calls", 1),        // another operation
                marker(ALICE_1, "GET /pets/42", "images", 1),           // another meter
                marker(ALICE_1, "GET /pets/42", "api_calls", 2),        // another cost
                marker("other-source", ALICE_1, "GET /pets/42", "api_calls", 1, true, "req-1"), // another usage source
                marker("quota-service", ALICE_1, "GET /pets/42", "api_calls", 1, true, "req-2"));
        for (String other : others) {
            assertNotEquals(first, other);
        }
        assertEquals(others.size(), others.stream().distinct().count(), "all distinct: " + others);
    }

    @Test
    void onlyRecordedChecksWithAnIdHaveAMarker() {
        assertNull(marker("quota-service", ALICE_1, "GET /pets/42", "api_calls", 1, false, "req-1"));
        assertNull(marker("quota-service", ALICE_1, "GET /pets/42", "api_calls", 1, true, null));
    }
}
