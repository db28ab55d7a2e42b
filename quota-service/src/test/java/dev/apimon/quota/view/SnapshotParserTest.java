package dev.apimon.quota.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.quota.limits.domain.Operation;
import dev.apimon.quota.view.domain.PlanDefinition;
import dev.apimon.quota.view.domain.SubscriptionRecord;
import dev.apimon.quota.view.messaging.SnapshotParser;
import dev.apimon.quota.view.messaging.SnapshotParser.PoisonException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SnapshotParserTest {
    final List<String> warnings = new ArrayList<>();
    final SnapshotParser parser = new SnapshotParser(new ObjectMapper(), warnings::add);
    static final String HASH = "a".repeat(64);

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theContractsExamplePlan() {
        PlanDefinition p = parser.plan("pro:3", b("""
                {"code": "pro", "version": 3, "name": "Pro", "status": "published", "currency": "USD", "interval": "month",
                 "fee": "49.00", "rate_limits": [{"name": "default", "limit": 100, "window": "PT1M"}],
                 "quotas": [{"meter": "api_calls", "limit": 50000, "enforcement": "hard"}],
                 "entitlements": ["GET /pets/**", "POST /pets", "feature:webhooks"],
                 "charges": [{"meter": "api_calls", "model": "graduated", "tiers": []}]}"""));
        assertEquals("pro:3", p.ref().key());
        assertEquals(600_000, p.rateLimits().get(0).gcra().emissionMicros());
        assertTrue(p.quotas().get("api_calls").hard());
        assertTrue(p.entitlements().allows(Operation.parse("GET /pets/1")));
        assertTrue(!p.entitlements().allows(Operation.parse("DELETE /pets/1")));
    }

    @Test
    void keysAndSubscriptions() {
        var keys = parser.keys("cus_1", b("{\"customer_id\":\"cus_1\",\"keys\":[{\"id\":\"key_1\",\"key_hash\":\"" + HASH
                + "\",\"start\":\"sk_live_abcd\",\"env\":\"live\",\"scopes\":[\"GET /pets/*\"],\"expires_at\":\"2027-01-01T00:00:00Z\",\"revoked_at\":null}]}"));
        assertEquals(1, keys.keys().size());
        assertEquals(Instant.parse("2027-01-01T00:00:00Z"), keys.keys().get(0).expiresAt());
        assertTrue(!keys.keys().get(0).scopes().allows(Operation.parse("POST /pets")));
        SubscriptionRecord s = parser.subscription("cus_1", b("""
                {"customer_id":"cus_1","subscription_id":"sub_1","plan":{"code":"pro","version":3},"status":"active",
                 "period_anchor":"2026-01-31T00:00:00Z","current_period_start":"2026-02-28T00:00:00Z",
                 "current_period_end":"2026-03-31T00:00:00Z","cancel_at_period_end":false,
                 "scheduled_change":{"plan":{"code":"pro","version":4},"at":"2026-03-31T00:00:00Z"}}"""));
        assertEquals("pro:3", s.planAt(Instant.parse("2026-03-30T00:00:00Z")).key());
        assertEquals("pro:4", s.planAt(Instant.parse("2026-03-31T00:00:00Z")).key());
        assertEquals("active", s.statusAt(Instant.parse("2026-04-30T00:00:00Z")), "no cancellation scheduled");

        SubscriptionRecord canceling = parser.subscription("cus_1", b("""
                {"customer_id":"cus_1","subscription_id":"sub_1","plan":{"code":"pro","version":3},"status":"active",
                 "period_anchor":"2026-01-31T00:00:00Z","current_period_start":"2026-02-28T00:00:00Z",
                 "current_period_end":"2026-03-31T00:00:00Z","cancel_at_period_end":true,"scheduled_change":null}"""));
        assertEquals("active", canceling.statusAt(Instant.parse("2026-03-30T23:59:59Z")));
        assertEquals("canceled", canceling.statusAt(Instant.parse("2026-03-31T00:00:00Z")));
        assertThrows(PoisonException.class, () -> parser.subscription("cus_1", b("""
                {"customer_id":"cus_1","plan":{"code":"pro","version":3},"status":"active","cancel_at_period_end":true}""")));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "not json",
            "[1,2]",
            "{\"customer_id\":\"cus_OTHER\",\"keys\":[]}",
            "{\"customer_id\":\"cus_1\"}",
            "{\"customer_id\":\"cus_1\",\"keys\":[{\"id\":\"k\",\"key_hash\":\"xyz\",\"env\":\"live\"}]}",
            "{\"customer_id\":\"cus_1\",\"keys\":[{\"id\":\"k\",\"key_hash\":\"HASH\",\"env\":\"prod\"}]}",
            "{\"customer_id\":\"cus_1\",\"keys\":[{\"id\":\"k\",\"key_hash\":\"HASH\",\"env\":\"live\",\"expires_at\":\"tomorrow\"}]}",
    })
    void poisonKeySnapshots(String json) {
        assertThrows(PoisonException.class, () -> parser.keys("cus_1", b(json.replace("HASH", HASH))));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"code\":\"pro\",\"version\":3}",
            "{\"code\":\"pro\",\"version\":\"3\"}",
            "{\"code\":\"pro\",\"version\":2}",
            "{\"code\":\"pro\",\"version\":3,\"rate_limits\":[{\"name\":\"d\",\"limit\":0,\"window\":\"PT1M\"}]}",
            "{\"code\":\"pro\",\"version\":3,\"rate_limits\":[{\"name\":\"d\",\"limit\":5,\"window\":\"1m\"}]}",
            "{\"code\":\"pro\",\"version\":3,\"quotas\":[{\"meter\":\"m\",\"limit\":5,\"enforcement\":\"strict\"}]}",
            "{\"code\":\"pro\",\"version\":3,\"entitlements\":\"GET /pets\"}",
    })
    void poisonPlans(String json) {
        if (json.equals("{\"code\":\"pro\",\"version\":3}")) {
            parser.plan("pro:3", b(json)); // a plan without limits is fine
            return;
        }
        assertThrows(PoisonException.class, () -> parser.plan("pro:3", b(json)));
    }
}
