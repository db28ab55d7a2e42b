package dev.apimon.e2e;

import static dev.apimon.e2e.support.Stack.Service.INVOICE;
import static dev.apimon.e2e.support.Stack.Service.KEY;
import static dev.apimon.e2e.support.Stack.Service.QUOTA;
import static dev.apimon.e2e.support.Stack.Service.RATING;
import static dev.apimon.e2e.support.Stack.Service.USAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.apimon.e2e.support.Api;
import dev.apimon.e2e.support.Http;
import dev.apimon.e2e.support.Poll;
import dev.apimon.e2e.support.Stack;
import dev.apimon.e2e.support.StackExtension;
import dev.apimon.e2e.support.StripeStandIn;
import dev.apimon.e2e.support.UsageLoad;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fault suite, on its own stack: the broker crashes during usage ingest, Redis goes away during quota checks, and
 * each stateful service is killed (SIGKILL) and restarted while usage streams in. Afterwards every total is exactly
 * the ground truth the clients kept, nothing is counted twice, and nothing needed a manual step to recover.
 */
class FaultToleranceE2ETest {
    private static final Logger LOG = Logger.getLogger(FaultToleranceE2ETest.class.getName());
    /** 5.00 a month; the load's calls at 0.01 and its units at 0.001; the pet store's api_calls at 0.05. */
    static final String PLAN = "e2e-fault";
    /** A hard quota of 8 calls a month, to see the fail-open policy keep it through a Redis outage. */
    static final String QUOTA_PLAN = "e2e-quota";
    static final BigDecimal FEE = new BigDecimal("5.00");

    @RegisterExtension
    static final StackExtension STACK = new StackExtension();
    static Api api;
    static Stack stack;

    @BeforeAll
    static void catalog() {
        stack = STACK.stack();
        api = new Api(stack);
        api.countMeter("api_calls", "api.request");
        api.countMeter("load_calls", UsageLoad.TYPE);
        Http.post(stack.url(USAGE) + "/v1/meters", Api.admin(), Map.of("slug", "load_units", "event_type", UsageLoad.TYPE,
                "aggregation", "sum", "value_property", "$.units")).expect(201);
        api.publishPlan(Map.of("code", PLAN, "name", "E2E Fault", "currency", "USD", "interval", "month", "fee", FEE.toPlainString(),
                "rate_limits", List.of(Map.of("name", "default", "limit", 6000, "window", "PT1M")),
                "entitlements", List.of("GET /pets", "GET /pets/**"),
                "charges", List.of(Map.of("meter", "load_calls", "model", "per_unit", "unit_amount", "0.01"),
                        Map.of("meter", "load_units", "model", "per_unit", "unit_amount", "0.001"),
                        Map.of("meter", "api_calls", "model", "per_unit", "unit_amount", "0.05"))));
        api.publishPlan(Map.of("code", QUOTA_PLAN, "name", "E2E Quota", "currency", "USD", "interval", "month", "fee", "0.00",
                "rate_limits", List.of(Map.of("name", "default", "limit", 1000, "window", "PT1M")),
                "quotas", List.of(Map.of("meter", "api_calls", "limit", 8, "enforcement", "hard")),
                "entitlements", List.of("GET /pets", "GET /pets/**"),
                "charges", List.of(Map.of("meter", "api_calls", "model", "per_unit", "unit_amount", "0"))));
    }

    /** A customer on {@code plan}, anchored a day ago (its current period holds the last hours' usage). */
    private static String customer(String id, String plan) {
        api.createCustomer(id, "Customer " + id, "US");
        api.subscribe(id, plan, stack.now().minus(Duration.ofDays(1)));
        return id;
    }

    /** usage-service learns customers from customers.events: probe (with a type no meter counts) until it accepts. */
    private static void awaitKnownToUsage(String customer) {
        String probe = "[{\"specversion\":\"1.0\",\"id\":\"probe-" + customer + "\",\"source\":\"e2e-probe\",\"type\":\"e2e.probe\","
                + "\"subject\":\"" + customer + "\",\"time\":\"" + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\",\"data\":{}}]";
        Poll.until("usage-service to know " + customer, Duration.ofSeconds(30),
                () -> Http.post(stack.url(USAGE) + "/v1/events", Api.gateway(), probe, Map.of("Content-Type", "application/cloudevents-batch+json")),
                r -> r.status() == 202 && r.json().path("rejected").isEmpty());
    }

    // ---------------------------------------------------------------- (a) the broker crashes during ingest

    @Test
    void usageIngestedWhileTheBrokerCrashesIsCountedExactlyOnce() throws Exception {
        List<String> customers = List.of(customer("cus_kafka_1", PLAN), customer("cus_kafka_2", PLAN), customer("cus_kafka_3", PLAN));
        customers.forEach(FaultToleranceE2ETest::awaitKnownToUsage);
        UsageLoad load = new UsageLoad(stack.url(USAGE), Api::gateway, customers, "kafka", 1);
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> load.send(30, 50));

        Poll.until("a quarter of the batches acknowledged", Duration.ofSeconds(60), load::acknowledgedBatches, n -> n >= 8);
        stack.killKafka();
        Poll.pause(Duration.ofSeconds(5)); // the outage itself: the load keeps sending into it
        stack.startKafka();
        sending.get(4, TimeUnit.MINUTES);
        LOG.info("Kafka outage: " + load);
        assertTrue(load.unavailableAnswers() > 0, "the outage hit some requests (503): " + load);
        assertEquals(0, load.missingRetryAfter(), "every 503 tells the client when to retry");

        stack.awaitReady(Stack.Service.values()); // every service recovered on its own
        for (String c : customers) {
            assertExactUsageAndSpend(c, load, 0);
        }
    }

    // ---------------------------------------------------------------- (b) Redis goes away during quota checks

    @Test
    void quotaAnswersFollowTheFailurePolicyWhileRedisIsDownAndRecoverWithoutARestart() {
        String c = customer("cus_redis", QUOTA_PLAN);
        String key = api.issueKey(c);
        Poll.until("the key to be known to quota-service", Duration.ofSeconds(30), () -> check(key), d -> d.get("allowed").asBoolean());
        for (int i = 2; i <= 3; i++) {
            JsonNode d = check(key);
            assertEquals("VALID", d.get("code").asText());
            assertFalse(d.path("degraded").asBoolean(), "Redis decides while it is up");
        }
        long quotaPid = stack.process(QUOTA).pid();

        stack.stopRedis();
        try {
            // open policy (the default): this replica's own limiter, continuing the quota from what Redis last said
            // (3 of 8 used): exactly 5 more are allowed, then the hard quota refuses — and every answer comes at once
            List<String> codes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                long t0 = System.nanoTime();
                JsonNode d = check(key);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 2000, "answered in " + ms + " ms without Redis");
                assertTrue(d.path("degraded").asBoolean(), "decided without Redis, and says so: " + d);
                codes.add(d.get("code").asText());
            }
            assertEquals(List.of("VALID", "VALID", "VALID", "VALID", "VALID", "QUOTA_EXCEEDED", "QUOTA_EXCEEDED", "QUOTA_EXCEEDED"), codes);
            Http.Reply ready = Http.get(stack.url(QUOTA) + "/q/health/ready", null);
            assertEquals(503, ready.status(), "readiness reports Redis DOWN: " + ready.body());
        } finally {
            stack.startRedis();
        }
        // Redis is back (empty: counters restart from zero, as documented); the same process recovers by itself
        JsonNode recovered = Poll.until("a check decided by Redis again", Duration.ofSeconds(20), () -> check(key),
                d -> !d.path("degraded").asBoolean());
        assertEquals("VALID", recovered.get("code").asText());
        assertEquals(quotaPid, stack.process(QUOTA).pid(), "no restart was needed");
        stack.awaitReady(QUOTA);
    }

    private static JsonNode check(String key) {
        return Http.post(stack.url(QUOTA) + "/v1/checks", null, Map.of("key", key, "operation", "GET /pets", "cost", 1)).expect(200).json();
    }

    // ---------------------------------------------------------------- (c) kill -9 of each stateful service

    @Test
    void killingEachStatefulServiceMidStreamLosesNothingAndCountsNothingTwice() throws Exception {
        String c1 = customer("cus_crash_1", PLAN);
        String c2 = customer("cus_crash_2", PLAN);
        List<String> billed = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            billed.add(customer("cus_crash_bill_" + i, PLAN));
        }
        awaitKnownToUsage(c1);
        awaitKnownToUsage(c2);
        String key = api.issueKey(c1);
        Poll.until("c1's key to work through nginx", Duration.ofSeconds(30), () -> api.callApi(key, "/pets"), r -> r.status() == 200);

        // two clients stream while services die: a gateway reporting usage, and API calls through nginx (the pet store
        // meters each one it served, retrying its reports until usage-service takes them)
        UsageLoad load = new UsageLoad(stack.url(USAGE), Api::gateway, List.of(c1, c2), "crash", 2);
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> load.sendUntilStopped(20, Duration.ofMillis(50)));
        AtomicBoolean calling = new AtomicBoolean(true);
        AtomicInteger served = new AtomicInteger(1); // the call above
        Map<Integer, Integer> otherAnswers = new ConcurrentHashMap<>();
        CompletableFuture<Void> traffic = CompletableFuture.runAsync(() -> {
            while (calling.get()) {
                try {
                    int status = api.callApi(key, "/pets").status();
                    if (status == 200) {
                        served.incrementAndGet();
                    } else {
                        otherAnswers.merge(status, 1, Integer::sum); // e.g. 500 while quota-service is down: not served
                    }
                } catch (Http.TransportFailure e) {
                    otherAnswers.merge(-1, 1, Integer::sum);
                }
                Poll.pause(Duration.ofMillis(100));
            }
        });

        for (Stack.Service s : List.of(USAGE, RATING, KEY, QUOTA, INVOICE)) {
            int batches = load.acknowledgedBatches();
            int calls = served.get();
            Poll.until("traffic to flow before killing " + s.module(), Duration.ofSeconds(60),
                    () -> load.acknowledgedBatches() >= batches + 3 && served.get() >= calls + 3);
            if (s == INVOICE) {
                // a billing run opens and finalizes the billed customers' invoices; the kill lands while the Stripe
                // sync (every second) pushes them
                api.billingRun(stack.now().truncatedTo(ChronoUnit.SECONDS), null);
                Poll.pause(Duration.ofMillis(300));
            }
            stack.kill(s);
            stack.restart(s);
            LOG.info(s.module() + " killed and restarted; " + load + "; nginx served " + served.get() + ", other answers " + otherAnswers);
            if (s == KEY) {
                // key-service is back: a key issued now reaches quota-service and works
                String fresh = api.issueKey(c2);
                Poll.until("a key issued after key-service's restart to work", Duration.ofSeconds(30), () -> api.callApi(fresh, "/pets"),
                        r -> r.status() == 200);
                served.incrementAndGet(); // c2's call is metered too
            }
        }
        int batches = load.acknowledgedBatches();
        Poll.until("traffic to flow after the last restart", Duration.ofSeconds(60), () -> load.acknowledgedBatches() >= batches + 3);
        load.stop();
        calling.set(false);
        sending.get(3, TimeUnit.MINUTES);
        traffic.get(1, TimeUnit.MINUTES);
        LOG.info("after the crashes: " + load + "; nginx served " + served.get() + ", other answers " + otherAnswers);
        stack.awaitReady(Stack.Service.values());

        // usage and spend: exactly the ground truth (load events, and every call nginx served — c1's and c2's one)
        int c2Calls = 1;
        assertExactUsageAndSpend(c1, load, served.get() - c2Calls);
        assertExactUsageAndSpend(c2, load, c2Calls);

        // invoices: one opening invoice per billed customer however often runs were interrupted and repeated
        api.billingRun(stack.now().truncatedTo(ChronoUnit.SECONDS), null);
        for (String b : billed) {
            JsonNode invoices = api.invoices(b);
            assertEquals(1, invoices.size(), b + " has exactly one invoice: " + invoices);
            assertEquals("5.00", invoices.get(0).get("total").asText());
        }
        assertInvoiceNumbersGapFree();
        assertStripeGotEachObjectOnce(billed);
    }

    // ---------------------------------------------------------------- exact totals

    /** usage-service's totals and rating's spend of the customer equal the ground truth, to the last decimal. */
    private static void assertExactUsageAndSpend(String customer, UsageLoad load, int apiCalls) {
        Instant from = stack.now().minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.DAYS);
        Instant to = stack.now().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.DAYS);
        String calls = String.valueOf(load.count(customer));
        String units = load.units(customer).stripTrailingZeros().toPlainString();
        // usage-service: what the gateway client had acknowledged, and every call nginx served (the pet store retries
        // its reports until usage-service takes them), each exactly once
        List<String> expected = List.of(calls, units, String.valueOf(apiCalls));
        List<String> usage = Poll.until(customer + "'s usage = " + expected, Duration.ofSeconds(90),
                () -> List.of(api.usageTotal("load_calls", customer, from, to),
                        new BigDecimal(api.usageTotal("load_units", customer, from, to)).stripTrailingZeros().toPlainString(),
                        api.usageTotal("api_calls", customer, from, to)), expected::equals);
        assertEquals(expected, usage, customer + "'s load_calls, load_units, api_calls");

        BigDecimal callsAmount = new BigDecimal(calls).multiply(new BigDecimal("0.01")).setScale(2, RoundingMode.HALF_UP);
        BigDecimal unitsAmount = load.units(customer).multiply(new BigDecimal("0.001")).setScale(2, RoundingMode.HALF_UP);
        BigDecimal apiAmount = BigDecimal.valueOf(apiCalls).multiply(new BigDecimal("0.05")).setScale(2, RoundingMode.HALF_UP);
        String total = FEE.add(callsAmount).add(unitsAmount).add(apiAmount).toPlainString();
        JsonNode spend = Poll.until(customer + "'s spend = " + total, Duration.ofSeconds(30), () -> api.ratingSpend(customer),
                s -> total.equals(s.path("total").asText()));
        // quantities compared as numbers (a sum may keep its scale: "244388.40"), money as exact strings
        Map<String, String> byMeter = new TreeMap<>();
        spend.get("lines").forEach(l -> byMeter.put(l.path("meter").asText("fee"), l.get("quantity") == null ? l.get("amount").asText()
                : new BigDecimal(l.get("quantity").asText()).stripTrailingZeros().toPlainString() + " → " + l.get("amount").asText()));
        assertEquals(new TreeMap<>(Map.of("fee", FEE.toPlainString(), "load_calls", calls + " → " + callsAmount.toPlainString(),
                "load_units", units + " → " + unitsAmount.toPlainString(), "api_calls", apiCalls + " → " + apiAmount.toPlainString())),
                byMeter, customer + "'s spend lines");
    }

    /** Every invoice number of a year is used once, from 1 up: a crash never burns or repeats one. */
    private static void assertInvoiceNumbersGapFree() {
        Map<String, List<Integer>> byYear = new HashMap<>();
        String cursor = null;
        do {
            JsonNode page = Http.get(stack.url(INVOICE) + "/v1/invoices?limit=100" + (cursor == null ? "" : "&cursor=" + cursor), Api.admin())
                    .expect(200).json();
            for (JsonNode inv : page.get("data")) {
                String number = inv.path("number").asText(null);
                if (number != null && !"null".equals(number)) {
                    String[] parts = number.split("-");
                    byYear.computeIfAbsent(parts[1], y -> new ArrayList<>()).add(Integer.parseInt(parts[2]));
                }
            }
            cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText(null);
        } while (cursor != null);
        assertFalse(byYear.isEmpty(), "some invoices were numbered");
        byYear.forEach((year, numbers) -> {
            List<Integer> sorted = numbers.stream().sorted().toList();
            for (int i = 0; i < sorted.size(); i++) {
                assertEquals(i + 1, sorted.get(i), "INV-" + year + " numbers run 1.." + sorted.size() + " without gap or repeat: " + sorted);
            }
        });
    }

    /**
     * The Stripe sync resumed after the crash without creating anything twice: each billed customer's objects were each
     * sent under one Idempotency-Key, a key that was sent again carried the same parameters (so Stripe answers its first
     * object), and every push finished.
     */
    private static void assertStripeGotEachObjectOnce(List<String> billed) {
        StripeStandIn stripe = stack.stripe();
        for (String b : billed) {
            String invoiceId = api.invoices(b).get(0).get("id").asText();
            Poll.until(b + "'s invoice synced to Stripe", Duration.ofSeconds(60), () -> api.stripeSync(invoiceId),
                    s -> "succeeded".equals(s.at("/data/0/status").asText()));
            Map<String, Map<String, String>> byKey = new TreeMap<>();
            List<LoggedRequest> sent = new ArrayList<>(stripe.requestsWithKeyContaining(invoiceId));
            sent.addAll(stripe.requests("/v1/customers", "apimon-customer-" + b));
            for (LoggedRequest r : sent) {
                Map<String, String> form = StripeStandIn.form(r);
                Map<String, String> first = byKey.putIfAbsent(r.getUrl() + " " + r.getHeader("Idempotency-Key"), form);
                if (first != null) {
                    assertEquals(first, form, "a retry under the same key sends the same parameters: " + r.getHeader("Idempotency-Key"));
                }
            }
            String k = "apimon-invoice-" + invoiceId;
            String stripeInvoice = StripeStandIn.stripeInvoiceId(invoiceId);
            assertEquals(List.of("/v1/customers apimon-customer-" + b, "/v1/invoiceitems " + k + "-line-1", "/v1/invoices " + k,
                    "/v1/invoices/" + stripeInvoice + "/finalize " + k + "-finalize"), List.copyOf(byKey.keySet()), b + "'s Stripe objects");
        }
    }
}
