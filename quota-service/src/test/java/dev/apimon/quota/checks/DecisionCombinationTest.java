package dev.apimon.quota.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.platform.keys.ApiKeys;
import dev.apimon.quota.checks.domain.CheckCommand;
import dev.apimon.quota.checks.domain.CheckEngine;
import dev.apimon.quota.checks.domain.Decision;
import dev.apimon.quota.checks.domain.DecisionCode;
import dev.apimon.quota.checks.domain.KeyHasher;
import dev.apimon.quota.checks.domain.LimitState;
import dev.apimon.quota.checks.domain.RateLimitHeaders;
import dev.apimon.quota.checks.domain.ViewNotLoadedException;
import dev.apimon.quota.limits.domain.Entitlements;
import dev.apimon.quota.limits.domain.Gcra;
import dev.apimon.quota.limits.domain.LimitResult;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How the limiter's raw answer becomes one decision: codes, precedence, Retry-After, remaining, headers. */
class DecisionCombinationTest {
    static final String PEPPER = "test-pepper-0123456789";
    static final Instant NOW = Instant.parse("2026-03-10T00:00:00Z");
    static final long SEC = 1_000_000;
    static final String KEY = ApiKeys.generate("live");
    static final CheckEngine ENGINE;

    static {
        QuotaView view = new QuotaView();
        view.markLoaded();
        KeyHasher hasher = new KeyHasher(PEPPER);
        view.replaceKeys("cus_1", List.of(new KeyRecord("key_1", "cus_1", hasher.hash(KEY), "live", Entitlements.UNRESTRICTED_SCOPES, null, null)));
        view.putSubscription(new SubscriptionRecord("cus_1", "sub_1", new PlanRef("pro", 1), "active",
                Instant.parse("2026-01-01T00:00:00Z"), null, null, null, null));
        view.putPlan(new PlanDefinition(new PlanRef("pro", 1), "published",
                List.of(new RateLimitSpec("default", Gcra.of(10, 60 * SEC))),
                Map.of("api_calls", new QuotaSpec("api_calls", 100, true), "images", new QuotaSpec("images", 100, false)),
                Entitlements.ofPlan(null, x -> { })));
        ENGINE = new CheckEngine(view, hasher::hash, k -> ApiKeys.envOf(k).orElse(null), "quota-service");
    }

    static CheckEngine.Limited prepare(String meter, long cost) {
        CheckCommand cmd = new CheckCommand(KEY, "GET /x", cost, meter, false, null, "api.request", null);
        return (CheckEngine.Limited) ENGINE.prepare(cmd, Operation.parse("GET /x"), NOW);
    }

    static LimitResult redis(boolean allowed, long tatDelta, long used, boolean a80, boolean a100) {
        return new LimitResult(allowed, false, new long[] {tatDelta}, used, a80, a100, LimitResult.Source.REDIS, null);
    }

    static Stream<Arguments> cases() {
        // meter, cost, limiter answer, expected code, retry-after, rate remaining, quota used, over quota
        return Stream.of(
                Arguments.of("api_calls", 1, redis(true, 6 * SEC, 1, false, false), "VALID", null, 9L, 1L, false),
                // rate refused: the next interval frees one unit 6 s after TAT reaches capacity
                Arguments.of("api_calls", 1, redis(false, 58 * SEC, 40, false, false), "RATE_LIMITED", 4L, 0L, 40L, false),
                // hard quota refused: Retry-After = until the anchored period ends (Apr 1)
                Arguments.of("api_calls", 1, redis(false, 0, 100, false, false), "QUOTA_EXCEEDED", 22L * 24 * 3600, 10L, 100L, false),
                // both refuse: the quota wins (waiting for the rate limit would not help)
                Arguments.of("api_calls", 1, redis(false, 60 * SEC, 100, false, false), "QUOTA_EXCEEDED", 22L * 24 * 3600, 0L, 100L, false),
                // soft quota: allowed beyond the limit, marked
                Arguments.of("images", 1, redis(true, 6 * SEC, 101, false, false), "VALID", null, 9L, 101L, true),
                // cost 5 refused by rate with 3 left: waits for 2 more intervals
                Arguments.of("api_calls", 5, redis(false, 42 * SEC, 10, false, false), "RATE_LIMITED", 12L, 3L, 10L, false),
                // fail-closed on quotas: Redis did not say what is used
                Arguments.of("api_calls", 1, new LimitResult(false, false, new long[1], 0, false, false, LimitResult.Source.CLOSED, "quota"),
                        "RATE_LIMITED", 1L, 0L, null, false)
        );
    }

    @ParameterizedTest(name = "[{index}] {3}")
    @MethodSource("cases")
    void combine(String meter, long cost, LimitResult r, String code, Long retry, long rateRemaining, Long used, boolean over) {
        Decision d = ENGINE.combine(prepare(meter, cost), r);
        assertEquals(code, d.code().name());
        assertEquals(retry, d.retryAfterSeconds());
        assertEquals(rateRemaining, d.limits().get(0).remaining());
        assertEquals(used, d.limits().get(1).used());
        assertEquals(over, d.overQuota());
        assertEquals(r.source() != LimitResult.Source.REDIS, d.degraded());
    }

    @ParameterizedTest(name = "{0} x{1}")
    @org.junit.jupiter.params.provider.CsvSource({"api_calls, 10, ok", "api_calls, 11, rate limit 'default'", "images, 11, rate limit 'default'"})
    void aCostNoLimitCanEverAdmitIsForbiddenNotLimited(String meter, long cost, String refusal) {
        CheckCommand cmd = new CheckCommand(KEY, "GET /x", cost, meter, false, null, "api.request", null);
        CheckEngine.Prepared p = ENGINE.prepare(cmd, Operation.parse("GET /x"), NOW);
        if (refusal.equals("ok")) {
            org.junit.jupiter.api.Assertions.assertInstanceOf(CheckEngine.Limited.class, p);
            return;
        }
        Decision d = org.junit.jupiter.api.Assertions.assertInstanceOf(CheckEngine.Early.class, p).decision();
        assertEquals("FORBIDDEN", d.code().name());
        assertEquals(null, d.retryAfterSeconds(), "nothing to wait for");
        org.junit.jupiter.api.Assertions.assertTrue(d.reason().contains(refusal), d.reason());
    }

    @Test
    void aCancellationAtPeriodEndRefusesFromThatInstantWithoutANewSnapshot() {
        QuotaView view = new QuotaView();
        KeyHasher hasher = new KeyHasher(PEPPER);
        view.replaceKeys("cus_2", List.of(new KeyRecord("key_2", "cus_2", hasher.hash(KEY), "live", Entitlements.UNRESTRICTED_SCOPES, null, null)));
        Instant periodEnd = Instant.parse("2026-03-15T00:00:00Z");
        view.putSubscription(new SubscriptionRecord("cus_2", "sub_2", new PlanRef("pro", 1), "active",
                Instant.parse("2026-02-15T00:00:00Z"), null, null, null, periodEnd));
        view.putPlan(new PlanDefinition(new PlanRef("pro", 1), "published", List.of(), Map.of(), Entitlements.ofPlan(null, x -> { })));
        CheckEngine engine = new CheckEngine(view, hasher::hash, k -> ApiKeys.envOf(k).orElse(null), "quota-service");
        CheckCommand cmd = new CheckCommand(KEY, "GET /x", 1, "api_calls", false, null, "api.request", null);
        org.junit.jupiter.api.Assertions.assertThrows(ViewNotLoadedException.class,
                () -> engine.prepare(cmd, Operation.parse("GET /x"), periodEnd), "before the view is loaded no key is known: no answer, not INVALID_KEY");
        view.markLoaded();

        org.junit.jupiter.api.Assertions.assertInstanceOf(CheckEngine.Limited.class,
                engine.prepare(cmd, Operation.parse("GET /x"), periodEnd.minusMillis(1)), "works until the period ends");
        for (Instant at : List.of(periodEnd, periodEnd.plusSeconds(20))) {
            Decision d = org.junit.jupiter.api.Assertions.assertInstanceOf(CheckEngine.Early.class,
                    engine.prepare(cmd, Operation.parse("GET /x"), at)).decision();
            assertEquals("FORBIDDEN", d.code().name());
            assertEquals("the customer's subscription is canceled", d.reason());
        }
    }

    @Test
    void alertsCarryThePeriodAndAStableId() {
        Decision d = ENGINE.combine(prepare("api_calls", 1), redis(true, 6 * SEC, 80, true, false));
        assertEquals(1, d.alerts().size());
        assertEquals(80, d.alerts().get(0).thresholdPercent());
        assertEquals(Instant.parse("2026-03-01T00:00:00Z"), d.alerts().get(0).periodStart());
        assertEquals("quota-threshold:cus_1:live:api_calls:" + Instant.parse("2026-03-01T00:00:00Z").getEpochSecond() + ":80:100",
                d.alerts().get(0).eventId());
        // a denied check publishes what the script fired (a cleared marker at a hard quota's limit fires again there)
        Decision denied = ENGINE.combine(prepare("api_calls", 1), redis(false, 0, 100, true, true));
        assertEquals("QUOTA_EXCEEDED", denied.code().name());
        assertEquals(List.of(80, 100), denied.alerts().stream().map(a -> a.thresholdPercent()).toList());
    }

    @Test
    void headersNameEveryLimitAndPickTheRefusingOne() {
        Decision d = ENGINE.combine(prepare("api_calls", 1), redis(false, 60 * SEC, 100, false, false));
        Map<String, String> h = RateLimitHeaders.of(d);
        assertEquals("\"default\";q=10;w=60, \"api_calls\";q=100;w=" + 31 * 24 * 3600, h.get("RateLimit-Policy"));
        assertEquals("\"default\";r=0;t=60, \"api_calls\";r=0;t=" + 22 * 24 * 3600, h.get("RateLimit"));
        assertEquals("100", h.get("X-RateLimit-Limit"), "the quota refused for longer than the rate limit");
        assertEquals(Long.toString(22L * 24 * 3600), h.get("Retry-After"));
        Decision ok = ENGINE.combine(prepare("api_calls", 1), redis(true, 54 * SEC, 5, false, false));
        Map<String, String> oh = RateLimitHeaders.of(ok);
        assertEquals("10", oh.get("X-RateLimit-Limit"), "the fewest remaining");
        assertEquals("1", oh.get("X-RateLimit-Remaining"));
        assertEquals(null, oh.get("Retry-After"));
    }

    /** A plan whose rate limit is named like its quota's meter ("api_calls"), as plans built from a meter often are. */
    static CheckEngine sameNameEngine(String name) {
        QuotaView view = new QuotaView();
        view.markLoaded();
        KeyHasher hasher = new KeyHasher(PEPPER);
        view.replaceKeys("cus_1", List.of(new KeyRecord("key_1", "cus_1", hasher.hash(KEY), "live", Entitlements.UNRESTRICTED_SCOPES, null, null)));
        view.putSubscription(new SubscriptionRecord("cus_1", "sub_1", new PlanRef("pro", 1), "active",
                Instant.parse("2026-01-01T00:00:00Z"), null, null, null, null));
        view.putPlan(new PlanDefinition(new PlanRef("pro", 1), "published", List.of(new RateLimitSpec(name, Gcra.of(10, 60 * SEC))),
                Map.of(name, new QuotaSpec(name, 100, true)), Entitlements.ofPlan(null, x -> { })));
        return new CheckEngine(view, hasher::hash, k -> ApiKeys.envOf(k).orElse(null), "quota-service");
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"api_calls", "default"})
    void aRateLimitAndAQuotaOfTheSameNameAreTwoDistinctItems_andXRateLimitPicksAsBefore(String name) {
        CheckEngine engine = sameNameEngine(name);
        CheckCommand cmd = new CheckCommand(KEY, "GET /x", 1, name, false, null, "api.request", null);
        CheckEngine.Limited l = (CheckEngine.Limited) engine.prepare(cmd, Operation.parse("GET /x"), NOW);
        // refused by both: the quota refuses for longer and stays the X-RateLimit limit
        Map<String, String> h = RateLimitHeaders.of(engine.combine(l, redis(false, 60 * SEC, 100, false, false)));
        assertEquals("\"" + name + "\";q=10;w=60, \"quota:" + name + "\";q=100;w=" + 31 * 24 * 3600, h.get("RateLimit-Policy"));
        assertEquals("\"" + name + "\";r=0;t=60, \"quota:" + name + "\";r=0;t=" + 22 * 24 * 3600, h.get("RateLimit"));
        assertEquals("100", h.get("X-RateLimit-Limit"));
        assertEquals(Long.toString(22L * 24 * 3600), h.get("X-RateLimit-Reset"));
        // allowed, the rate limit with the fewest remaining: the same choice as with distinct names
        Map<String, String> ok = RateLimitHeaders.of(engine.combine(l, redis(true, 54 * SEC, 5, false, false)));
        assertEquals("\"" + name + "\";r=1;t=54, \"quota:" + name + "\";r=95;t=" + 22 * 24 * 3600, ok.get("RateLimit"));
        assertEquals(List.of("10", "1", "54"), List.of(ok.get("X-RateLimit-Limit"), ok.get("X-RateLimit-Remaining"), ok.get("X-RateLimit-Reset")));
    }

    @Test
    void itemNamesStayAsTheyAreUnlessTaken_andAreAlwaysUnique() {
        assertEquals("\"default\";q=10;w=60, \"api_calls\";q=10;w=60", policy(limit("rate", "default"), limit("quota", "api_calls")));
        // a rate limit literally named "quota:api_calls" keeps that name; the quota then takes the next free one
        assertEquals("\"quota:api_calls\";q=10;w=60, \"api_calls\";q=10;w=60, \"quota:api_calls#2\";q=10;w=60",
                policy(limit("rate", "quota:api_calls"), limit("rate", "api_calls"), limit("quota", "api_calls")));
        // names that differ only in what an sf-string cannot carry (here U+00E9) are the same item name
        assertEquals("\"calls\";q=10;w=60, \"quota:calls\";q=10;w=60", policy(limit("rate", "calls"), limit("quota", "call\u00e9s")));
    }

    private static LimitState limit(String kind, String name) {
        boolean rate = kind.equals(LimitState.RATE);
        return new LimitState(kind, rate ? name : null, rate ? null : name, 10, null, 1, 1, null, null, 60, false, false, 0);
    }

    private static String policy(LimitState... limits) {
        Decision d = new Decision(true, DecisionCode.VALID, null, "cus_1", "key_1", "live", new PlanRef("pro", 1), List.of(limits),
                null, false, false, false, List.of());
        return RateLimitHeaders.of(d).get("RateLimit-Policy");
    }

    @Test
    void aFailClosedAnswerClaimsNothingRemainsUntilItsRetry_notAFullQuota() {
        LimitResult closedQuota = new LimitResult(false, false, new long[1], 0, false, false, LimitResult.Source.CLOSED, "quota");
        Decision d = ENGINE.combine(prepare("api_calls", 1), closedQuota);
        assertEquals("RATE_LIMITED", d.code().name());
        Map<String, String> h = RateLimitHeaders.of(d);
        assertEquals("0", h.get("X-RateLimit-Remaining"));
        assertEquals("1", h.get("Retry-After"));
        assertEquals("\"default\";r=0;t=1, \"api_calls\";r=0;t=1", h.get("RateLimit"));
        assertEquals(null, d.limits().get(1).used(), "Redis did not say what is used");
    }

    @Test
    void keyHasherEqualsTheSharedDefinition() {
        for (int i = 0; i < 50; i++) {
            String k = ApiKeys.generate(i % 2 == 0 ? "live" : "test");
            assertEquals(ApiKeys.hash(k, PEPPER), new KeyHasher(PEPPER).hash(k));
        }
    }
}
