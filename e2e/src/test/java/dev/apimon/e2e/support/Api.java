package dev.apimon.e2e.support;

import static dev.apimon.e2e.support.Stack.Service.INVOICE;
import static dev.apimon.e2e.support.Stack.Service.KEY;
import static dev.apimon.e2e.support.Stack.Service.PORTAL;
import static dev.apimon.e2e.support.Stack.Service.QUOTA;
import static dev.apimon.e2e.support.Stack.Service.RATING;
import static dev.apimon.e2e.support.Stack.Service.USAGE;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.testinfra.Tokens;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The suite's public API as its users call it (provider staff, the gateway, customers), against one stack. */
public final class Api {
    private final Stack stack;

    public Api(Stack stack) {
        this.stack = stack;
    }

    public static String admin() {
        return Tokens.admin();
    }

    /** The gateway's service account (role usage-writer), as the pet store uses it to report usage. */
    public static String gateway() {
        return Tokens.client(Stack.GATEWAY_CLIENT_ID, Stack.GATEWAY_CLIENT_SECRET);
    }

    // ---------------------------------------------------------------- provider staff

    /** A count meter of the events of a type (200 when it exists identically: deploy scripts re-run). */
    public void countMeter(String slug, String eventType) {
        Http.Reply r = Http.post(stack.url(USAGE) + "/v1/meters", admin(),
                Map.of("slug", slug, "event_type", eventType, "aggregation", "count"));
        if (r.status() != 201 && r.status() != 200) {
            throw new AssertionError("meter " + slug + ": HTTP " + r.status() + " " + r.body());
        }
    }

    /** Creates the plan's draft and publishes it; answers the published version. */
    public int publishPlan(Map<String, Object> document) {
        JsonNode draft = Http.post(stack.url(RATING) + "/v1/plans", admin(), document).expect(201).json();
        int version = draft.get("version").asInt();
        Http.post(stack.url(RATING) + "/v1/plans/" + draft.get("code").asText() + "/versions/" + version + "/publish", admin(), null)
                .expect(200);
        return version;
    }

    public JsonNode createCustomer(String id, String name, String region) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("external_id", "ext-" + id);
        body.put("name", name);
        body.put("email", "billing@" + id + ".example");
        body.put("currency", "USD");
        body.put("attributes", Map.of("region", region));
        return Http.post(stack.url(KEY) + "/v1/customers", admin(), body).expect(201).json();
    }

    /**
     * Subscribes the customer, anchored at {@code startAt} (admins may backdate). The plan reaches key-service over
     * billing.catalog, so right after publishing it may not know it yet: that 400 is retried for a while.
     */
    public JsonNode subscribe(String customer, String plan, Instant startAt) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("plan_code", plan);
        if (startAt != null) {
            body.put("start_at", startAt.toString());
        }
        Http.Reply r = Poll.until("key-service to know plan " + plan, Duration.ofSeconds(30),
                () -> Http.post(stack.url(KEY) + "/v1/customers/" + customer + "/subscription", admin(), body),
                reply -> !(reply.status() == 400 && reply.body().contains("plan_code")));
        return r.expect(201).json();
    }

    public JsonNode subscription(String customer) {
        return Http.get(stack.url(KEY) + "/v1/customers/" + customer + "/subscription", admin()).expect(200).json();
    }

    /** A new live key; the plaintext is only in this answer. */
    public String issueKey(String customer) {
        return Http.post(stack.url(KEY) + "/v1/customers/" + customer + "/keys", admin(), Map.of("name", "e2e")).expect(201).json()
                .get("key").asText();
    }

    /**
     * A billing run as of an instant, for one customer or (null) all; invoice-service learns subscriptions from Kafka,
     * so a 404 for a customer it does not know yet is retried for a while.
     */
    public JsonNode billingRun(Instant asOf, String customer) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("as_of", asOf.toString());
        if (customer != null) {
            body.put("customer_id", customer);
        }
        return Poll.until("invoice-service to know " + customer + "'s subscription", Duration.ofSeconds(30),
                () -> Http.post(stack.url(INVOICE) + "/v1/billing-runs", admin(), body), r -> r.status() != 404).expect(200).json();
    }

    /** The customer's invoices, drafts included (admin view), oldest first. */
    public JsonNode invoices(String customer) {
        return Http.get(stack.url(INVOICE) + "/v1/invoices?customer_id=" + customer, admin()).expect(200).json().get("data");
    }

    public JsonNode invoice(String id) {
        return Http.get(stack.url(INVOICE) + "/v1/invoices/" + id, admin()).expect(200).json();
    }

    public JsonNode finalizeInvoice(String id) {
        return Http.post(stack.url(INVOICE) + "/v1/invoices/" + id + "/finalize", admin(), null).expect(200).json();
    }

    public JsonNode stripeSync(String invoiceId) {
        return Http.get(stack.url(INVOICE) + "/v1/invoices/" + invoiceId + "/stripe-sync", admin()).expect(200).json();
    }

    /** The customer's live spend as rating-service computes it (admin view). */
    public JsonNode ratingSpend(String customer) {
        return Http.get(stack.url(RATING) + "/v1/customers/" + customer + "/spend", admin()).expect(200).json();
    }

    /** Sum of a meter's values for the customer over [from, to) (usage-service's aggregates), as a decimal string. */
    public String usageTotal(String meter, String customer, Instant from, Instant to) {
        BigDecimal sum = BigDecimal.ZERO;
        String cursor = null;
        do { // every page: the answer is cursor-paginated
            JsonNode page = Http.get(stack.url(USAGE) + "/v1/meters/" + meter + "/usage?customer_id=" + customer + "&from="
                    + enc(from.toString()) + "&to=" + enc(to.toString()) + "&window_size=day"
                    + (cursor == null ? "" : "&cursor=" + enc(cursor)), admin()).expect(200).json();
            for (JsonNode w : page.get("data")) {
                sum = sum.add(new BigDecimal(w.get("value").asText()));
            }
            cursor = page.hasNonNull("next_cursor") ? page.get("next_cursor").asText() : null;
        } while (cursor != null);
        return sum.toPlainString();
    }

    // ---------------------------------------------------------------- the API's clients, through the gateway

    /** A call of the provider's API through nginx, authenticated with the API key. */
    public Http.Reply callApi(String apiKey, String path) {
        return Http.send(Http.request(stack.gatewayUrl() + path, apiKey, Map.of()).GET());
    }

    /** quota-service's decision for a key and operation, without consuming anything (cost 0). */
    public JsonNode peek(String apiKey, String operation) {
        return Http.post(stack.url(QUOTA) + "/v1/checks", null, Map.of("key", apiKey, "operation", operation, "cost", 0)).expect(200).json();
    }

    // ---------------------------------------------------------------- customers (portal) and Stripe

    public Http.Reply portal(String path, String userToken) {
        return Http.get(stack.url(PORTAL) + path, userToken);
    }

    /**
     * Delivers a Stripe event to invoice-service's webhook, signed with the configured secret as Stripe signs it (at the
     * services' time: a signature older than the tolerance is refused as a replay).
     */
    public JsonNode deliverWebhook(String payload) {
        return Http.post(stack.url(INVOICE) + "/v1/webhooks/stripe", null, payload,
                Map.of("Stripe-Signature", StripeStandIn.sign(payload, stack.now().getEpochSecond()))).expect(200).json();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
