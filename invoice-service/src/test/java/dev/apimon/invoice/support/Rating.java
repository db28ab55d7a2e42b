package dev.apimon.invoice.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * rating-service's REST API as the stand-in serves it, with the documented JSON: plan versions, rated periods (the
 * same document as a billing.spend snapshot) and credit consumptions. Every stub requires a bearer token, so the
 * tests also prove invoice-service authenticates (client credentials from the real Keycloak).
 */
public final class Rating {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Rating() {
    }

    public static void plan(String code, int version, String name, String fee) {
        plan(code, version, name, fee, "USD", "month");
    }

    public static void plan(String code, int version, String name, String fee, String currency, String interval) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("code", code);
        p.put("version", version);
        p.put("name", name);
        p.put("status", "published");
        p.put("currency", currency);
        p.put("interval", interval);
        if (fee != null) {
            p.put("fee", fee);
        }
        StandIns.rating().stubFor(get(urlEqualTo("/v1/plans/" + code + "/versions/" + version))
                .withHeader("Authorization", matching("Bearer .+"))
                .willReturn(StandIns.json(write(p))));
    }

    /** Serves this rated period for GET /v1/customers/{id}/rated-periods?period_start=... (replacing an earlier stub). */
    public static void rated(Period p) {
        StandIns.rating().stubFor(get(urlPathEqualTo("/v1/customers/" + p.customer + "/rated-periods"))
                .withQueryParam("period_start", equalTo(p.start))
                .withHeader("Authorization", matching("Bearer .+"))
                .willReturn(StandIns.json(p.json())));
    }

    /** POST /v1/customers/{id}/credits/consumptions answers that {@code consumed} was burnt. */
    public static void consumes(String customer, String consumed) {
        StandIns.rating().stubFor(post(urlEqualTo("/v1/customers/" + customer + "/credits/consumptions"))
                .withHeader("Authorization", matching("Bearer .+"))
                .withRequestBody(matchingJsonPath("$.reference"))
                .willReturn(StandIns.json("{\"customer_id\":\"" + customer + "\",\"currency\":\"USD\",\"consumed\":\"" + consumed
                        + "\",\"uses\":[]}")));
    }

    /** POST /v1/customers/{id}/credits/reversals answers that {@code restored} was given back (replacing an earlier stub). */
    public static void reverses(String customer, String restored) {
        StandIns.rating().stubFor(post(urlEqualTo("/v1/customers/" + customer + "/credits/reversals"))
                .withHeader("Authorization", matching("Bearer .+"))
                .withRequestBody(matchingJsonPath("$.reference"))
                .willReturn(StandIns.json("{\"customer_id\":\"" + customer + "\",\"currency\":\"USD\",\"consumed\":\"" + restored
                        + "\",\"restored\":\"" + restored + "\",\"uses\":[]}")));
    }

    /** POST /v1/customers/{id}/credits/reversals answers a problem with this status (503: an outage; 404: no consumption). */
    public static void reversalFails(String customer, int status) {
        StandIns.rating().stubFor(post(urlEqualTo("/v1/customers/" + customer + "/credits/reversals"))
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/problem+json")
                        .withBody("{\"status\":" + status + ",\"code\":\"" + (status == 404 ? "NOT_FOUND" : "UNAVAILABLE") + "\"}")));
    }

    public static Period period(String customer, String start, String end) {
        return new Period(customer, start, end);
    }

    /** A rated period document. */
    public static final class Period {
        final String customer;
        final String start;
        final String end;
        String planCode = "pro";
        int planVersion = 1;
        String currency = "USD";
        final List<Map<String, Object>> lines = new ArrayList<>();
        String subtotal = "0.00";
        String discount = "0.00";
        String trueUp = "0.00";
        String credits = "0.00";
        String total = "0.00";

        Period(String customer, String start, String end) {
            this.customer = customer;
            this.start = start;
            this.end = end;
        }

        public Period plan(String code, int version) {
            planCode = code;
            planVersion = version;
            return this;
        }

        public Period currency(String c) {
            currency = c;
            return this;
        }

        public Period fee(String description, String amount) {
            return line("fee", description, null, null, amount);
        }

        public Period usage(String meter, String quantity, String amount) {
            return line("usage", meter + " usage", meter, quantity, amount);
        }

        public Period proration(String description, String amount) {
            return line("proration", description, null, null, amount);
        }

        public Period line(String type, String description, String meter, String quantity, String amount) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("type", type);
            l.put("description", description);
            l.put("meter", meter);
            l.put("quantity", quantity);
            l.put("amount", amount);
            lines.add(l);
            return this;
        }

        public Period totals(String subtotal, String discount, String trueUp, String credits, String total) {
            this.subtotal = subtotal;
            this.discount = discount;
            this.trueUp = trueUp;
            this.credits = credits;
            this.total = total;
            return this;
        }

        public String total() {
            return total;
        }

        public Map<String, Object> document() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("customer_id", customer);
            d.put("plan", Map.of("code", planCode, "version", planVersion));
            d.put("period_start", start);
            d.put("period_end", end);
            d.put("currency", currency);
            d.put("lines", lines);
            d.put("subtotal", subtotal);
            d.put("discount", discount);
            d.put("minimum_commitment_true_up", trueUp);
            d.put("credits_applied", credits);
            d.put("total", total);
            d.put("credits_remaining", "0.00");
            d.put("forecast", total);
            d.put("quotas", List.of());
            d.put("updated_at", end);
            return d;
        }

        public String json() {
            return write(document());
        }
    }

    static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
