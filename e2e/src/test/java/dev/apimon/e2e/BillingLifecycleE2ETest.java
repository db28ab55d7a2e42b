package dev.apimon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.apimon.e2e.support.Api;
import dev.apimon.e2e.support.Http;
import dev.apimon.e2e.support.KafkaTail;
import dev.apimon.e2e.support.Poll;
import dev.apimon.e2e.support.Stack;
import dev.apimon.e2e.support.StackExtension;
import dev.apimon.e2e.support.StripeStandIn;
import dev.apimon.testinfra.Tokens;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The suite as its users meet it, on the real stack: a customer's calls through nginx are authorized, rate limited
 * and metered, the spend shows up in the portal, the period closes into an exact invoice that is synced to Stripe and
 * paid by webhook; and a customer whose payments keep failing is suspended by dunning and resumed when it pays.
 */
class BillingLifecycleE2ETest {
    private static final Logger LOG = Logger.getLogger(BillingLifecycleE2ETest.class.getName());
    /** The realm's users carry these customer_id claims. */
    static final String ALICE = "cus_demo_alice";
    static final String BOB = "cus_demo_bob";
    static final String PLAN = "e2e-pro";

    /**
     * Billing periods are anchored on whole hours, and a period can only be closed once it has ended. So that Alice's
     * period ends shortly after her calls, the stack's clock is shifted (apimon.clock.offset, the same on every service)
     * to pass a whole hour this long after the services are launched: enough to boot (~35 s on two idle cores), warm up
     * and make the calls. When the machine is busier and the boot takes longer, the services are relaunched with a
     * later boundary before the tests start (see {@link #catalog()}).
     */
    static final Duration PERIOD_END_AFTER_LAUNCH = Duration.ofSeconds(100);
    /** Less than this between the start of Alice's test and her period's end, and the calls might not fit before it. */
    static final Duration TIME_FOR_THE_CALLS = Duration.ofSeconds(15);
    /** What the tests need after the warm-up (Alice's calls, with Bob's scenario running beside them), with a margin. */
    static final Duration NEEDED_AFTER_WARM_UP = Duration.ofSeconds(30);

    @RegisterExtension
    static final StackExtension STACK = new StackExtension(PERIOD_END_AFTER_LAUNCH);
    static Api api;

    @BeforeAll
    static void catalog() {
        api = new Api(STACK.stack());
        api.countMeter("api_calls", "api.request");
        // 10.00 a month in advance, 0.125 per call in arrears, at most 5 calls a minute
        api.publishPlan(Map.of("code", PLAN, "name", "E2E Pro", "currency", "USD", "interval", "month", "fee", "10.00",
                "rate_limits", List.of(Map.of("name", "default", "limit", 5, "window", "PT1M")),
                "quotas", List.of(Map.of("meter", "api_calls", "limit", 1000, "enforcement", "hard")),
                "entitlements", List.of("GET /pets", "GET /pets/**"),
                "charges", List.of(Map.of("meter", "api_calls", "model", "per_unit", "unit_amount", "0.125"))));
        Stack stack = STACK.stack();
        warmUp("cus_e2e_warm_a");
        Duration left = Duration.between(stack.now(), nextWholeHour(stack.now()));
        if (left.compareTo(NEEDED_AFTER_WARM_UP) < 0 || left.compareTo(PERIOD_END_AFTER_LAUNCH) > 0) {
            // the boot took longer than planned (a busy machine): too little time is left, or the planned whole hour has
            // passed and the next is an hour away. Relaunch the services with a boundary that leaves room, judged by
            // how long this boot took (their data stays; their clock only moves forward).
            Duration boundaryIn = stack.lastBoot().multipliedBy(2).plus(NEEDED_AFTER_WARM_UP).plusSeconds(10);
            LOG.warning("only " + left + " left before Alice's period would end (boot took " + stack.lastBoot() + "): relaunching the "
                    + "services with their next whole hour in " + boundaryIn);
            stack.relaunchServicesWithHourBoundaryIn(boundaryIn);
            warmUp("cus_e2e_warm_b");
        }
    }

    static Instant nextWholeHour(Instant t) {
        return t.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
    }

    /**
     * Calls of other customers through the whole path (nginx → quota → pet store → usage → rating → billing.spend →
     * portal) before the tests, so that the 1 s budget of the live spend is measured on running services, as in
     * production, not on the first records a just-started JVM handles. Measured on this stack: the first
     * usage.aggregates record of each partition takes ~1 s to reach billing.spend (p0, p1, p5: 1.03–1.09 s; the next
     * ones 25–56 ms), so the warm-up customers are picked to cover every partition (as Kafka's default partitioner
     * places their keys), and the first of them calls a few times.
     */
    private static void warmUp(String prefix) {
        int partitions = 6; // usage.aggregates, as bin/apimon creates it
        Map<Integer, String> byPartition = new TreeMap<>();
        for (int n = 1; byPartition.size() < partitions; n++) {
            String id = prefix + n;
            byPartition.putIfAbsent(Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % partitions, id);
        }
        Map<String, String> keys = new LinkedHashMap<>();
        for (String warm : byPartition.values()) {
            api.createCustomer(warm, "Warm-up", "US");
            // anchored a day ago: its calls are in a whole hour of its current period
            api.subscribe(warm, PLAN, STACK.stack().now().minus(Duration.ofDays(1)));
            keys.put(warm, api.issueKey(warm));
        }
        long t0 = System.nanoTime();
        // one call per customer, and two more of the first: all served before any is awaited in rating
        Map<String, Integer> calls = new LinkedHashMap<>();
        for (Map.Entry<String, String> k : keys.entrySet()) {
            int n = calls.isEmpty() ? 3 : 1;
            for (int call = 0; call < n; call++) {
                Poll.until("a warm-up call through nginx", Duration.ofSeconds(30), () -> api.callApi(k.getValue(), "/pets"), r -> r.status() == 200);
            }
            calls.put(k.getKey(), n);
        }
        calls.forEach((warm, n) -> {
            String total = new BigDecimal("0.125").multiply(BigDecimal.valueOf(n)).add(new BigDecimal("10.00"))
                    .setScale(2, RoundingMode.HALF_UP).toPlainString();
            Poll.until("the warm-up calls of " + warm + " to be priced", Duration.ofSeconds(30), () -> api.ratingSpend(warm),
                    s -> total.equals(s.path("total").asText()));
        });
        LOG.info(String.format("warm-up: %d calls of %s served and priced in %.1f s", keys.size() + 2, keys.keySet(), (System.nanoTime() - t0) / 1e9));
    }

    // the two scenarios share the stack but not a customer: Bob's runs while Alice waits for her period's end (the
    // methods run concurrently, the test classes one after the other)
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void callsAreLimitedMeteredPricedInvoicedSyncedToStripeAndPaid() {
        Stack stack = STACK.stack();
        // Alice's first period ends at the services' next whole hour, and started a month before (admins may backdate)
        Instant periodEnd = nextWholeHour(stack.now());
        Duration left = Duration.between(stack.now(), periodEnd);
        assertTrue(left.compareTo(TIME_FOR_THE_CALLS) > 0, "the stack became ready too late: Alice's period ends in " + left
                + ", too soon to make the calls in it (the stack took longer than PERIOD_END_AFTER_LAUNCH allows for)");
        Instant anchor = periodEnd.atZone(ZoneOffset.UTC).minusMonths(1).toInstant();
        api.createCustomer(ALICE, "Alice Pets Ltd", "GB");
        JsonNode sub = api.subscribe(ALICE, PLAN, anchor);
        assertEquals(anchor.toString(), sub.get("current_period_start").asText());
        assertEquals(periodEnd.toString(), sub.get("current_period_end").asText());
        String key = api.issueKey(ALICE);
        // Alice is signed in to her portal before she calls, as a customer watching her spend is: her token is not
        // fetched inside the timed window below (a password grant is hundreds of ms of Keycloak hashing on this machine)
        String aliceToken = Tokens.alice();
        api.portal("/api/me/spend", aliceToken);

        try (KafkaTail aggregates = new KafkaTail(stack.kafkaBootstrap(), "usage.aggregates");
             KafkaTail spends = new KafkaTail(stack.kafkaBootstrap(), "billing.spend")) {
            // quota-service learns the key and subscription from Kafka: the first call that passes is call 1
            Poll.until("the key to work through nginx", Duration.ofSeconds(30), () -> api.callApi(key, "/pets"), r -> r.status() == 200);
            for (int call = 2; call <= 5; call++) {
                assertEquals(200, api.callApi(key, "/pets/" + call).status(), "call " + call + " is within 5 a minute");
            }
            for (int call = 6; call <= 7; call++) {
                Http.Reply limited = api.callApi(key, "/pets");
                assertEquals(429, limited.status(), "call " + call + " is over the rate limit");
                assertEquals("RATE_LIMITED", limited.header("X-Apimon-Code"));
                assertEquals("5", limited.header("X-RateLimit-Limit"));
                assertTrue(Integer.parseInt(limited.header("Retry-After")) > 0, "Retry-After tells the client when to come back");
            }

            // the pet store meters the 5 served calls (not the refused ones) → usage-service aggregates them → rating
            // prices them → billing.spend → the portal shows Alice her spend, within a second of the aggregate
            CompletableFuture<Instant> shownAt = CompletableFuture.supplyAsync(() -> {
                Poll.until("Alice's portal spend to include the 5 calls", Duration.ofSeconds(30),
                        () -> api.portal("/api/me/spend", aliceToken).expect(200).json(), s -> "10.63".equals(s.path("total").asText()));
                return Instant.now();
            });
            ConsumerRecord<String, String> five = aggregates.await("with Alice's 5 calls", Duration.ofSeconds(30),
                    r -> ALICE.equals(r.key()) && r.value().contains("\"meter\":\"api_calls\"") && r.value().contains("\"value\":\"5\""));
            ConsumerRecord<String, String> priced = spends.await("with Alice's 10.63", Duration.ofSeconds(30),
                    r -> ALICE.equals(r.key()) && r.value().contains("\"total\":\"10.63\""));
            long latencyMs = Duration.between(Instant.ofEpochMilli(five.timestamp()), shownAt.join()).toMillis();
            // where the time went, for whoever looks at a slow run
            String breakdown = "usage.aggregates record → billing.spend record: " + (priced.timestamp() - five.timestamp())
                    + " ms; → Alice's portal spend: " + latencyMs + " ms in all (an upper bound: the portal is polled every 50 ms)";
            LOG.info(breakdown);
            assertTrue(latencyMs <= 1000, "the portal showed the spend " + latencyMs + " ms after the aggregate (budget 1 s); " + breakdown);
            JsonNode spend = api.portal("/api/me/spend", aliceToken).expect(200).json();
            assertEquals(ALICE, spend.get("customer_id").asText());
            assertEquals(anchor.toString(), spend.get("period_start").asText());
            assertEquals(periodEnd.toString(), spend.get("period_end").asText());
            assertEquals(List.of("fee|E2E Pro monthly fee|null|10.00", "usage|api_calls usage|5|0.63"), lines(spend.get("lines")));
            assertEquals("5", api.usageTotal("api_calls", ALICE, anchor.truncatedTo(ChronoUnit.DAYS), periodEnd.truncatedTo(ChronoUnit.DAYS)
                    .plus(1, ChronoUnit.DAYS)));
        }
        assertTrue(stack.now().isBefore(periodEnd), "the calls must fall into the period that closes next (machine too slow?)");

        // the period ends; a billing run as of its end closes it into an invoice (a draft during the grace window)
        Poll.until("Alice's period to end", Duration.between(stack.now(), periodEnd).plusSeconds(10), () -> !stack.now().isBefore(periodEnd));
        api.billingRun(periodEnd, ALICE);
        JsonNode invoices = Poll.until("the opening and the closing invoice", Duration.ofSeconds(20), () -> api.invoices(ALICE),
                list -> list.size() == 2);
        JsonNode opening = api.invoice(invoices.get(0).get("id").asText());
        assertEquals("opening", opening.get("kind").asText());
        assertEquals("12.00", opening.get("total").asText(), "first period's fee in advance + 20% GB tax");
        JsonNode closing = api.invoice(invoices.get(1).get("id").asText());
        assertEquals("period", closing.get("kind").asText());
        assertEquals("draft", closing.get("status").asText());
        assertEquals(anchor.toString(), closing.get("period_start").asText());
        assertEquals(periodEnd.toString(), closing.get("period_end").asText());
        // usage in arrears (5 × 0.125 = 0.625 → 0.63 HALF_UP), the next period's fee in advance, tax 20% of 10.63
        assertEquals("10.63", closing.get("subtotal").asText());
        assertEquals("2.13", closing.get("tax").asText());
        assertEquals("12.76", closing.get("total").asText());
        assertEquals("USD", closing.get("currency").asText());
        assertEquals(List.of("fee|E2E Pro monthly fee|null|10.00", "usage|api_calls usage|5|0.63", "tax|Tax 20% (GB)|null|2.13"),
                lines(closing.get("lines")));

        // provider staff finalize it now instead of waiting out the grace window → numbered, pushed to Stripe
        String id = closing.get("id").asText();
        JsonNode finalized = api.finalizeInvoice(id);
        assertEquals("finalized", finalized.get("status").asText());
        assertTrue(finalized.get("number").asText().matches("INV-\\d{4}-\\d{6}"), finalized.get("number").asText());
        StripeStandIn stripe = stack.stripe();
        String invoiceKey = "apimon-invoice-" + id;
        Poll.until("the Stripe sync to finalize the invoice in Stripe", Duration.ofSeconds(30),
                () -> stripe.requests("/v1/invoices/" + StripeStandIn.stripeInvoiceId(id) + "/finalize", invoiceKey + "-finalize").size(),
                n -> n == 1);
        List<LoggedRequest> customers = stripe.requests("/v1/customers", "apimon-customer-" + ALICE);
        assertEquals(1, customers.size(), "Alice becomes a Stripe customer once, for both invoices");
        assertEquals("Bearer " + StripeStandIn.API_KEY, customers.get(0).getHeader("Authorization"));
        assertEquals(new TreeMap<>(Map.of("name", "Alice Pets Ltd", "email", "billing@" + ALICE + ".example",
                "metadata[apimon_customer_id]", ALICE)), StripeStandIn.form(customers.get(0)));
        List<LoggedRequest> created = stripe.requests("/v1/invoices", invoiceKey);
        assertEquals(1, created.size());
        Map<String, String> invoiceForm = StripeStandIn.form(created.get(0));
        assertEquals("cus_for_apimon-customer-" + ALICE, invoiceForm.get("customer"));
        assertEquals("usd", invoiceForm.get("currency"));
        assertEquals(id, invoiceForm.get("metadata[apimon_invoice_id]"));
        assertEquals(finalized.get("number").asText(), invoiceForm.get("metadata[apimon_invoice_number]"));
        // one invoice item per line, in integer cents, each under its own Idempotency-Key
        List<String> items = new ArrayList<>();
        for (int n = 1; n <= finalized.get("lines").size(); n++) {
            List<LoggedRequest> item = stripe.requests("/v1/invoiceitems", invoiceKey + "-line-" + n);
            assertEquals(1, item.size(), "line " + n + " sent once");
            Map<String, String> f = StripeStandIn.form(item.get(0));
            assertEquals(StripeStandIn.stripeInvoiceId(id), f.get("invoice"));
            items.add(f.get("description") + "|" + f.get("amount") + "|" + f.get("currency"));
        }
        assertEquals(List.of("E2E Pro monthly fee|1000|usd", "api_calls usage|63|usd", "Tax 20% (GB)|213|usd"), items);
        assertEquals(Map.of("auto_advance", "true"), StripeStandIn.form(
                stripe.requests("/v1/invoices/" + StripeStandIn.stripeInvoiceId(id) + "/finalize", invoiceKey + "-finalize").get(0)));
        Poll.until("the sync to be recorded as succeeded", Duration.ofSeconds(10), () -> api.stripeSync(id),
                s -> "succeeded".equals(s.at("/data/0/status").asText()));

        // Stripe collects and tells us: a signed invoice.paid webhook marks it paid; Alice sees it paid in the portal
        JsonNode outcome = api.deliverWebhook(StripeStandIn.invoiceEvent("evt_paid_" + id, "invoice.paid", id, stack.now().getEpochSecond()));
        assertEquals("paid", outcome.get("outcome").asText());
        assertEquals("paid", api.invoice(id).get("status").asText());
        JsonNode mine = api.portal("/api/me/invoices/" + id, Tokens.alice()).expect(200).json();
        assertEquals("paid", mine.get("status").asText());
        assertEquals("12.76", mine.get("total").asText());
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void aCustomerWhoseCardKeepsFailingIsSuspendedByDunningAndResumedWhenItPays() {
        Stack stack = STACK.stack();
        api.createCustomer(BOB, "Bob's Bark Co", "US");
        JsonNode sub = api.subscribe(BOB, PLAN, null);
        String key = api.issueKey(BOB);
        Poll.until("Bob's key to work through nginx", Duration.ofSeconds(30), () -> api.callApi(key, "/pets"), r -> r.status() == 200);

        // the opening invoice (the first month's fee in advance; no tax in the US) is finalized and pushed to Stripe
        api.billingRun(Instant.parse(sub.get("current_period_start").asText()), BOB);
        JsonNode opening = Poll.until("Bob's opening invoice", Duration.ofSeconds(20), () -> api.invoices(BOB), l -> l.size() == 1).get(0);
        String id = opening.get("id").asText();
        assertEquals("10.00", api.invoice(id).get("total").asText());
        String stripeId = StripeStandIn.stripeInvoiceId(id);
        Poll.until("the invoice to be finalized in Stripe", Duration.ofSeconds(30),
                () -> stack.stripe().requests("/v1/invoices/" + stripeId + "/finalize", "apimon-invoice-" + id + "-finalize").size(), n -> n == 1);
        stack.stripe().declinePayments(stripeId);

        // Stripe's charge at finalization fails, then each retry dunning asks Stripe for (pay-2..4) fails too
        api.deliverWebhook(StripeStandIn.invoiceEvent("evt_failed_1_" + id, "invoice.payment_failed", id, stack.now().getEpochSecond()));
        assertEquals("retrying", api.invoice(id).at("/payment/status").asText());
        for (int attempt = 2; attempt <= 4; attempt++) {
            String payKey = "apimon-invoice-" + id + "-pay-" + attempt;
            Poll.until("dunning's retry " + attempt + " to reach Stripe", Duration.ofSeconds(30),
                    () -> stack.stripe().requests("/v1/invoices/" + stripeId + "/pay", payKey).size(), n -> n >= 1);
            api.deliverWebhook(StripeStandIn.invoiceEvent("evt_failed_" + attempt + "_" + id, "invoice.payment_failed", id,
                    stack.now().getEpochSecond()));
        }
        JsonNode delinquent = api.invoice(id);
        assertEquals("delinquent", delinquent.at("/payment/status").asText(), "no retry left after the 4th failure");
        assertEquals(4, delinquent.at("/payment/failed_attempts").asInt());

        // billing.payments says so → key-service suspends Bob → quota-service refuses his key
        Poll.until("key-service to suspend Bob", Duration.ofSeconds(20), () -> api.subscription(BOB),
                s -> "suspended".equals(s.get("status").asText()));
        assertEquals("dunning", api.subscription(BOB).get("suspend_reason").asText());
        Http.Reply refused = Poll.until("nginx to refuse Bob's key", Duration.ofSeconds(10), () -> api.callApi(key, "/pets"),
                r -> r.status() == 403);
        assertEquals("SUSPENDED", refused.header("X-Apimon-Code"));
        assertEquals("SUSPENDED", api.peek(key, "GET /pets").get("code").asText());

        // Bob pays after all (e.g. a new card): invoice.paid → good standing → resumed → his key works again
        JsonNode paid = api.deliverWebhook(StripeStandIn.invoiceEvent("evt_paid_" + id, "invoice.paid", id, stack.now().getEpochSecond()));
        assertEquals("paid", paid.get("outcome").asText());
        Poll.until("key-service to resume Bob", Duration.ofSeconds(20), () -> api.subscription(BOB),
                s -> "active".equals(s.get("status").asText()));
        Poll.until("quota-service to answer VALID for Bob's key", Duration.ofSeconds(10), () -> api.peek(key, "GET /pets"),
                c -> "VALID".equals(c.get("code").asText()));
        assertEquals(200, api.callApi(key, "/pets").status());
        assertEquals("paid", api.invoice(id).get("status").asText());
    }

    /** "type|description|quantity|amount" per line (quantity "null" for a fee), for exact comparisons. */
    private static List<String> lines(JsonNode lines) {
        List<String> out = new ArrayList<>();
        lines.forEach(l -> out.add(l.get("type").asText() + "|" + l.get("description").asText() + "|" + l.path("quantity").asText("null")
                + "|" + l.get("amount").asText()));
        return out;
    }
}
