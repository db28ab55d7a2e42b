package dev.apimon.rating.simulations;

import static dev.apimon.rating.KafkaEvents.customer;
import static dev.apimon.rating.KafkaEvents.subscribe;
import static dev.apimon.rating.KafkaEvents.usage;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;

import dev.apimon.rating.KafkaEvents;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Re-rating real stored usage under a draft version. Plans: v1 (published) fee 10.00 + graduated api_calls (first 1000
 * free, then 0.01), quota 5000; v2 (draft) fee 15.00 + volume api_calls (up to 2000 at 0.004, above at 0.003), quota 4000.
 * Usage (live) in Jan/Feb/Mar 2026: A (GB) 1500/2500/1900, B (US) 4000/4200/3800, C (GB) -/-/100. Expected totals
 * worked out by hand in each test. The test profile answers at once for up to 2 customers and chunks by 2.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class SimulationResourceTest {
    @Inject
    MutableClock clock;

    @Inject
    javax.sql.DataSource db;

    private String code;
    private String a;
    private String b;
    private String c;
    private String late;
    private String cohort;

    @AfterEach
    void reset() {
        clock.reset();
    }

    @BeforeEach
    void seed() throws Exception {
        clock.set(Instant.parse("2026-04-10T00:00:00Z"));
        long n = System.nanoTime();
        code = "sim-" + n;
        a = "cus_sima_" + n;
        b = "cus_simb_" + n;
        c = "cus_simc_" + n;
        late = "cus_siml_" + n;
        cohort = String.valueOf(n); // this run's customers only, whatever other tests stored
        Map<String, Object> v1 = new HashMap<>();
        v1.put("code", code);
        v1.put("name", "Sim");
        v1.put("currency", "USD");
        v1.put("interval", "month");
        v1.put("fee", "10.00");
        v1.put("quotas", List.of(Map.of("meter", "api_calls", "limit", 5000, "enforcement", "hard")));
        v1.put("charges", List.of(Map.of("meter", "api_calls", "model", "graduated", "tiers", List.of(
                Map.of("up_to", 1000, "unit_amount", "0"), Map.of("unit_amount", "0.01")))));
        KafkaEvents.publish(v1);
        Map<String, Object> v2 = new HashMap<>(v1);
        v2.put("fee", "15.00");
        v2.put("quotas", List.of(Map.of("meter", "api_calls", "limit", 4000, "enforcement", "hard")));
        v2.put("charges", List.of(Map.of("meter", "api_calls", "model", "volume", "tiers", List.of(
                Map.of("up_to", 2000, "unit_amount", "0.004"), Map.of("unit_amount", "0.003")))));
        given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(v2).post("/v1/plans").then().statusCode(201)
                .body("version", equalTo(2)).body("status", equalTo("draft"));

        customer(a, Map.of("region", "GB", "cohort", cohort));
        customer(b, Map.of("region", "US", "cohort", cohort));
        customer(c, Map.of("region", "GB", "cohort", cohort));
        customer(late, Map.of("region", "EU", "cohort", cohort));
        for (String cus : List.of(a, b, c)) {
            subscribe(cus, code, 1, "2026-01-01T00:00:00Z");
        }
        subscribe(late, code, 1, "2026-04-01T00:00:00Z"); // no closed period yet
        usage(a, "api_calls", "2026-01-05T10:00:00Z", "1000", 1, "live");
        usage(a, "api_calls", "2026-01-20T10:00:00Z", "500", 1, "live");
        usage(a, "api_calls", "2026-02-10T10:00:00Z", "2500", 1, "live");
        usage(a, "api_calls", "2026-02-11T10:00:00Z", "100000", 1, "test");  // test keys are never priced
        usage(a, "api_calls", "2026-03-31T23:00:00Z", "1900", 1, "live");
        usage(a, "api_calls", "2026-04-05T10:00:00Z", "99999", 1, "live");  // the open period is not simulated
        usage(b, "api_calls", "2026-01-15T10:00:00Z", "4000", 1, "live");
        usage(b, "api_calls", "2026-02-15T10:00:00Z", "4200", 1, "live");
        usage(b, "api_calls", "2026-03-15T10:00:00Z", "3800", 1, "live");
        usage(c, "api_calls", "2026-03-01T00:00:00Z", "100", 1, "live");
        awaitQuantity(a, "2026-04-01T00:00:00Z", "99999");
        awaitQuantity(b, "2026-03-01T00:00:00Z", "3800");
        awaitQuantity(c, "2026-03-01T00:00:00Z", "100");
        awaitQuantity(late, "2026-04-01T00:00:00Z", "0");
        // customers.events is consumed apart from the usage: segments select by attributes, so wait for all four
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (var c = db.getConnection(); var ps = c.prepareStatement(
                    "SELECT count(*) FROM rating_customers WHERE attributes->>'cohort' = ?")) {
                ps.setString(1, cohort);
                try (var rs = ps.executeQuery()) {
                    return rs.next() && rs.getInt(1) == 4;
                }
            }
        });
    }

    private static void awaitQuantity(String cus, String start, String quantity) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(Tokens.admin()).get("/v1/customers/" + cus + "/rated-periods?start=" + start).then().statusCode(200)
                        .body("lines.find { it.meter == 'api_calls' }.quantity", equalTo(quantity)));
    }

    private ValidatableResponse post(Object body, int status) {
        return given().auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(body).post("/v1/simulations").then().statusCode(status);
    }

    private ValidatableResponse awaitCompleted(String id) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(Tokens.admin()).get("/v1/simulations/" + id).then().statusCode(200).body("status", equalTo("completed")));
        return given().auth().oauth2(Tokens.admin()).get("/v1/simulations/" + id).then().statusCode(200);
    }

    @Test
    void largeRunIsAJob_oldVersusNewOverThreeClosedPeriods_deltaPerSegment_andCustomersNearAStep() {
        ValidatableResponse started = post(Map.of("plan", Map.of("code", code, "version", 2),
                "customers", Map.of("customer_ids", List.of(a, b, c, "cus_nobody")), "periods", 3), 202)
                .body("id", startsWith("sim_")).body("total", equalTo(3)).body("progress", org.hamcrest.Matchers.isA(Integer.class))
                .body("plan.code", equalTo(code)).body("plan.version", equalTo(2)).body("periods", equalTo(3));
        String id = started.extract().path("id");
        started.header("Location", endsWith("/v1/simulations/" + id));

        awaitCompleted(id)
                .body("progress", equalTo(100)).body("processed", equalTo(3)).body("currency", equalTo("USD"))
                .body("created_at", equalTo("2026-04-10T00:00:00Z"))
                .body("customers.customer_id", contains(a, b, c))
                // A: 15.00+25.00+19.00 -> 21.00+22.50+22.60; B: 40.00+42.00+38.00 -> 27.00+27.60+26.40; C: 3 x 10.00 -> 15.00+15.00+15.40
                .body("customers.old_total", contains("59.00", "120.00", "30.00"))
                .body("customers.new_total", contains("66.10", "81.00", "45.40"))
                .body("customers.delta", contains("7.10", "-39.00", "15.40"))
                .body("revenue_delta", equalTo("-16.50"))
                .body("by_segment.GB", equalTo("22.50")).body("by_segment.US", equalTo("-39.00")).body("by_segment.size()", equalTo(2))
                // March: A's 1900 calls are 100 under the 2000 step of the volume tiers, B's 3800 are 200 under the 4000 quota
                .body("near_boundary", hasSize(2))
                .body("near_boundary[0].customer_id", equalTo(a)).body("near_boundary[0].meter", equalTo("api_calls"))
                .body("near_boundary[0].quantity", equalTo("1900")).body("near_boundary[0].boundary", equalTo("2000"))
                .body("near_boundary[0].kind", equalTo("tier"))
                .body("near_boundary[1].customer_id", equalTo(b)).body("near_boundary[1].quantity", equalTo("3800"))
                .body("near_boundary[1].boundary", equalTo("4000")).body("near_boundary[1].kind", equalTo("quota"))
                .body("skipped.customer_id", contains("cus_nobody"));
    }

    @Test
    void aSegmentSmallEnoughAnswersAtOnce() {
        Map<String, String> segment = new java.util.LinkedHashMap<>();
        segment.put("region", "GB"); // the first attribute of the segment is what by_segment groups by unless segment_by says otherwise
        segment.put("cohort", cohort);
        post(Map.of("plan", Map.of("code", code, "version", 2), "customers", Map.of("segment", segment), "periods", 3), 201)
                .body("status", equalTo("completed")).body("progress", equalTo(100)).body("segment_by", equalTo("region"))
                .body("customers.customer_id", contains(a, c))
                .body("customers.delta", contains("7.10", "15.40"))
                .body("revenue_delta", equalTo("22.50")).body("by_segment.GB", equalTo("22.50")).body("by_segment.size()", equalTo(1));
    }

    @Test
    void onePlansCustomers_lastPeriodOnly_aSubscriberWithoutAClosedPeriodIsSkipped() {
        String id = post(Map.of("plan", Map.of("code", code, "version", 2), "customers", Map.of("plan_code", code), "periods", 1,
                "segment_by", "region"), 202).extract().path("id");
        awaitCompleted(id)
                .body("customers.customer_id", contains(a, b, c))
                .body("customers.old_total", contains("19.00", "38.00", "10.00"))
                .body("customers.new_total", contains("22.60", "26.40", "15.40"))
                .body("customers.delta", contains("3.60", "-11.60", "5.40"))
                .body("revenue_delta", equalTo("-2.60"))
                .body("by_segment.GB", equalTo("9.00")).body("by_segment.US", equalTo("-11.60"))
                .body("skipped.customer_id", contains(late)).body("skipped[0].reason", equalTo("no closed billing period yet"));
    }

    /** Periods that do not start at midnight: whole days come from the daily rollup, the edge hours from the hourly buckets. */
    @Test
    void aMidDayAnchorCountsEveryHourOfItsPeriodsOnce() throws Exception {
        String d = "cus_simd_" + System.nanoTime();
        customer(d, Map.of("region", "US"));
        subscribe(d, code, 1, "2026-01-15T12:00:00Z");
        usage(d, "api_calls", "2026-01-15T11:00:00Z", "777", 1, "live");   // before the anchor
        usage(d, "api_calls", "2026-01-15T12:00:00Z", "100", 1, "live");   // period 1, first (partial) day
        usage(d, "api_calls", "2026-01-20T00:00:00Z", "200", 1, "live");   // period 1, a whole day
        usage(d, "api_calls", "2026-02-15T11:00:00Z", "300", 1, "live");   // period 1, last (partial) day
        usage(d, "api_calls", "2026-02-15T12:00:00Z", "1000", 1, "live");  // period 2 starts
        usage(d, "api_calls", "2026-03-15T11:00:00Z", "500", 1, "live");   // period 2, last hour
        usage(d, "api_calls", "2026-03-15T12:00:00Z", "9999", 1, "live");  // the open period
        awaitQuantity(d, "2026-03-15T12:00:00Z", "9999");
        awaitQuantity(d, "2026-02-15T12:00:00Z", "1500");
        awaitQuantity(d, "2026-01-15T12:00:00Z", "600");
        // 600 calls: 10.00 -> 15.00 + 2.40; 1500 calls: 15.00 -> 15.00 + 6.00
        post(Map.of("plan", Map.of("code", code, "version", 2), "customers", Map.of("customer_ids", List.of(d)), "periods", 5), 201)
                .body("customers[0].old_total", equalTo("25.00")).body("customers[0].new_total", equalTo("38.40"))
                .body("customers[0].delta", equalTo("13.40")).body("by_segment.US", equalTo("13.40"))
                .body("near_boundary", hasSize(0)).body("skipped", hasSize(0));
    }

    @Test
    void badRequestsNameTheirFields_andOnlyProviderStaffSimulate() {
        Map<String, Object> bad = new HashMap<>();
        bad.put("plan", Map.of("code", code));
        bad.put("customers", Map.of("all", true, "plan_code", code));
        bad.put("periods", 0);
        bad.put("segment_by", "not an attribute");
        post(bad, 400).contentType("application/problem+json")
                .body("errors.field", hasItems("plan.version", "customers", "periods", "segment_by"));
        post(Map.of("plan", Map.of("code", code, "version", 9), "customers", Map.of("all", true)), 400).body("errors[0].field", equalTo("plan"));
        post(Map.of("plan", Map.of("code", code, "version", 2), "customers", Map.of("segment", Map.of())), 400)
                .body("errors[0].field", equalTo("customers.segment"));
        post(Map.of("plan", Map.of("code", code, "version", 2), "customers", Map.of("customer_ids", List.of(a, 7))), 400)
                .body("errors[0].field", equalTo("customers.customer_ids[1]"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(Map.of("plan", Map.of("code", code, "version", 2), "customers", Map.of("all", true))).post("/v1/simulations")
                .then().statusCode(403);
        given().auth().oauth2(Tokens.alice()).get("/v1/simulations/sim_x").then().statusCode(403);
        given().auth().oauth2(Tokens.admin()).get("/v1/simulations/sim_unknown").then().statusCode(404);
    }
}
