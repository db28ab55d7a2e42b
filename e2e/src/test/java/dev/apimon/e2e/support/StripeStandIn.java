package dev.apimon.e2e.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The local Stripe stand-in (WireMock in the test JVM, as in invoice-service's tests; no stripe-mock exists here):
 * answers what stripe-java asks with objects whose ids derive from the request's Idempotency-Key (so a retried request
 * gets the same object back, as from Stripe), records every request for exact checks, and signs webhooks the way
 * Stripe does. A customer can be given a declining card: its invoices' pay attempts answer 402 card_declined.
 */
public final class StripeStandIn implements AutoCloseable {
    public static final String API_KEY = "sk_test_apimon_e2e";
    public static final String WEBHOOK_SECRET = "whsec_apimon_e2e_secret";
    private final WireMockServer server;

    public StripeStandIn() {
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").globalTemplating(true));
        server.start();
        String key = "{{request.headers.[Idempotency-Key]}}";
        server.stubFor(post(urlEqualTo("/v1/customers")).atPriority(10)
                .willReturn(json("{\"id\":\"cus_for_" + key + "\",\"object\":\"customer\"}")));
        server.stubFor(post(urlEqualTo("/v1/invoices")).atPriority(10)
                .willReturn(json("{\"id\":\"in_for_" + key + "\",\"object\":\"invoice\",\"status\":\"draft\"}")));
        server.stubFor(post(urlEqualTo("/v1/invoiceitems")).atPriority(10)
                .willReturn(json("{\"id\":\"ii_for_" + key + "\",\"object\":\"invoiceitem\"}")));
        server.stubFor(post(urlMatching("/v1/invoices/[^/]+/finalize")).atPriority(10)
                .willReturn(json("{\"id\":\"{{request.pathSegments.[2]}}\",\"object\":\"invoice\",\"status\":\"open\"}")));
        server.stubFor(post(urlMatching("/v1/invoices/[^/]+/pay")).atPriority(10)
                .willReturn(json("{\"id\":\"{{request.pathSegments.[2]}}\",\"object\":\"invoice\",\"status\":\"paid\"}")));
        server.stubFor(post(urlMatching("/v1/invoices/[^/]+/void")).atPriority(10)
                .willReturn(json("{\"id\":\"{{request.pathSegments.[2]}}\",\"object\":\"invoice\",\"status\":\"void\"}")));
    }

    public String baseUrl() {
        return server.baseUrl();
    }

    /** Stripe's id of the invoice it created for ours (what the stand-in answered to its creation). */
    public static String stripeInvoiceId(String invoiceId) {
        return "in_for_apimon-invoice-" + invoiceId;
    }

    /** Every pay attempt of this (Stripe) invoice is declined, as with a customer's failing card. */
    public void declinePayments(String stripeInvoiceId) {
        server.stubFor(post(urlEqualTo("/v1/invoices/" + stripeInvoiceId + "/pay")).atPriority(1)
                .willReturn(aResponse().withStatus(402).withHeader("Content-Type", "application/json").withBody(
                        "{\"error\":{\"type\":\"card_error\",\"code\":\"card_declined\",\"decline_code\":\"generic_decline\","
                                + "\"message\":\"Your card was declined.\"}}")));
    }

    /** The POSTs to {@code path} sent with this Idempotency-Key. */
    public List<LoggedRequest> requests(String path, String idempotencyKey) {
        return server.findAll(postRequestedFor(urlEqualTo(path)).withHeader("Idempotency-Key", equalTo(idempotencyKey)));
    }

    /** Every POST whose Idempotency-Key contains the fragment (e.g. our invoice id), oldest first. */
    public List<LoggedRequest> requestsWithKeyContaining(String fragment) {
        return server.findAll(postRequestedFor(urlMatching("/v1/.*"))).stream()
                .filter(r -> r.containsHeader("Idempotency-Key") && r.getHeader("Idempotency-Key").contains(fragment)).toList();
    }

    /** The form-encoded parameters of a request, decoded and sorted. */
    public static Map<String, String> form(LoggedRequest r) {
        Map<String, String> out = new TreeMap<>();
        String body = r.getBodyAsString();
        if (body == null || body.isEmpty()) {
            return out;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** A Stripe event about one of our invoices, as Stripe would deliver it. */
    public static String invoiceEvent(String eventId, String type, String invoiceId, long created) {
        return "{\"id\":\"" + eventId + "\",\"object\":\"event\",\"api_version\":\"2025-08-27.basil\",\"created\":" + created
                + ",\"livemode\":false,\"pending_webhooks\":1,\"type\":\"" + type + "\",\"data\":{\"object\":{\"id\":\""
                + stripeInvoiceId(invoiceId) + "\",\"object\":\"invoice\",\"status\":\"open\",\"metadata\":{\"apimon_invoice_id\":\""
                + invoiceId + "\"}}}}";
    }

    /** The Stripe-Signature header for a payload: {@code t=<time>,v1=HMAC-SHA256(secret, "<time>.<payload>")}. */
    public static String sign(String payload, long timestamp) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "t=" + timestamp + ",v1=" + HexFormat.of().formatHex(mac.doFinal((timestamp + "." + payload).getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }

    @Override
    public void close() {
        server.stop();
    }
}
