package dev.apimon.invoice.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Local HTTP stand-ins (WireMock, in this JVM) for the two HTTP systems invoice-service calls: Stripe (external) and
 * rating-service's REST API (another service of the suite; the cross-service path is covered end to end elsewhere).
 * Stripe answers every call with a generic success unless a test stubs something more specific.
 */
public class StandIns implements QuarkusTestResourceLifecycleManager {
    public static final String STRIPE_KEY = "sk_test_apimon_local";
    public static final String WEBHOOK_SECRET = "whsec_apimon_test_secret";
    private static WireMockServer rating;
    private static WireMockServer stripe;

    public static WireMockServer rating() {
        return rating;
    }

    public static WireMockServer stripe() {
        return stripe;
    }

    @Override
    public Map<String, String> start() {
        var ratingOptions = options().dynamicPort().bindAddress("127.0.0.1").containerThreads(20);
        if (Boolean.getBoolean("apimon.bench")) {
            ratingOptions.disableRequestJournal(); // tens of thousands of requests: keep none
        }
        rating = new WireMockServer(ratingOptions);
        rating.start();
        stripe = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        stripe.start();
        stripeDefaults();
        // the Stripe key and webhook secret of the test profile are in application.properties (%test.stripe.*)
        return Map.of("quarkus.rest-client.rating-service.url", rating.baseUrl(), "stripe.api-base", stripe.baseUrl());
    }

    /** Generic Stripe successes (lowest priority): tests stub exact answers above them. */
    public static void stripeDefaults() {
        stripe.stubFor(post(urlEqualTo("/v1/customers")).atPriority(10)
                .willReturn(json("{\"id\":\"cus_default\",\"object\":\"customer\"}")));
        stripe.stubFor(post(urlEqualTo("/v1/invoices")).atPriority(10)
                .willReturn(json("{\"id\":\"in_default\",\"object\":\"invoice\",\"status\":\"draft\"}")));
        stripe.stubFor(post(urlEqualTo("/v1/invoiceitems")).atPriority(10)
                .willReturn(json("{\"id\":\"ii_default\",\"object\":\"invoiceitem\"}")));
        stripe.stubFor(post(urlMatching("/v1/invoices/[^/]+/finalize")).atPriority(10)
                .willReturn(json("{\"id\":\"in_default\",\"object\":\"invoice\",\"status\":\"open\"}")));
        stripe.stubFor(post(urlMatching("/v1/invoices/[^/]+/void")).atPriority(10)
                .willReturn(json("{\"id\":\"in_default\",\"object\":\"invoice\",\"status\":\"void\"}")));
        stripe.stubFor(post(urlMatching("/v1/invoices/[^/]+/pay")).atPriority(10)
                .willReturn(json("{\"id\":\"in_default\",\"object\":\"invoice\",\"status\":\"paid\"}")));
        stripe.stubFor(delete(urlMatching("/v1/invoices/[^/]+")).atPriority(10)
                .willReturn(json("{\"id\":\"in_default\",\"object\":\"invoice\",\"deleted\":true}")));
    }

    public static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }

    @Override
    public void stop() {
        if (rating != null) {
            rating.stop();
        }
        if (stripe != null) {
            stripe.stop();
        }
    }
}
