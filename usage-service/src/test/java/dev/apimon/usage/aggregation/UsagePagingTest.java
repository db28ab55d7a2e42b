package dev.apimon.usage.aggregation;

import static dev.apimon.usage.support.Fixtures.batch;
import static dev.apimon.usage.support.Fixtures.event;
import static dev.apimon.usage.support.Fixtures.ingest;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import dev.apimon.usage.support.Fixtures;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GET /v1/meters/{slug}/usage is cursor-paginated like every list: pages concatenate to the whole answer. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class UsagePagingTest {
    @Inject
    AgroalDataSource db;

    record Page(List<String> rows, String next) {
    }

    static Page page(String meter, String customer, Instant from, Instant to, String groupBy, Integer limit, String cursor) {
        var req = given().auth().oauth2(Tokens.admin()).queryParam("customer_id", customer)
                .queryParam("from", from.toString()).queryParam("to", to.toString()).queryParam("window_size", "hour")
                .queryParam("group_by", groupBy);
        if (limit != null) {
            req = req.queryParam("limit", limit);
        }
        if (cursor != null) {
            req = req.queryParam("cursor", cursor);
        }
        JsonNode body = json(req.get("/v1/meters/" + meter + "/usage").then().statusCode(200).extract().asString());
        List<String> rows = new ArrayList<>();
        // one comparable line per row: window, group (absent shown as ~), value
        body.get("data").forEach(r -> rows.add(r.get("window_start").asText() + " " + text(r.get("group").get("endpoint"))
                + " " + text(r.get("group").get("region")) + " = " + r.get("value").asText()));
        JsonNode next = body.get("next_cursor");
        return new Page(rows, next == null || next.isNull() ? null : next.asText());
    }

    static JsonNode json(String body) {
        try {
            return Fixtures.JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String text(JsonNode n) {
        return n == null || n.isNull() ? "~" : n.asText();
    }

    static List<String> allPages(String meter, String customer, Instant from, Instant to, int limit) {
        List<String> rows = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Page p = page(meter, customer, from, to, "endpoint,region", limit, cursor);
            assertEquals(true, p.rows().size() <= limit, "a page holds at most limit rows");
            rows.addAll(p.rows());
            cursor = p.next();
            pages++;
        } while (cursor != null && pages < 100);
        return rows;
    }

    @Test
    void pagesOfAnyLimitConcatenateToTheWholeAnswerInWindowThenGroupOrder() {
        String p = Fixtures.unique("page");
        String type = p + ".request", calls = p + "_calls";
        Fixtures.createMeter(AggregationTest.meter(calls, type, "count", null,
                "{\"endpoint\": \"$.endpoint\", \"region\": \"$.region\"}", null));
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        String other = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        Instant h1 = Fixtures.hoursAgo(30), h2 = h1.plus(1, ChronoUnit.HOURS), h3 = h1.plus(2, ChronoUnit.HOURS);
        // group values that a careless cursor would mangle: the cursor's separator and escape, a missing region,
        // and case (bytewise order puts "B" before "a")
        ingest(batch(
                event("p1", customer, h1.plusSeconds(60), type, "{\"endpoint\": \"a|b\", \"region\": \"eu\"}"),
                event("p2", customer, h1.plusSeconds(120), type, "{\"endpoint\": \"a|b\"}"),
                event("p3", customer, h1.plusSeconds(180), type, "{\"endpoint\": \"B\\\\\", \"region\": \"us\"}"),
                event("p4", customer, h1.plusSeconds(240), type, "{\"endpoint\": \"a|b\", \"region\": \"eu\"}"),
                event("p5", customer, h2.plusSeconds(60), type, "{\"region\": \"eu\"}"),
                event("p6", customer, h2.plusSeconds(60), type, "{\"endpoint\": \"a|b\", \"region\": \"\"}"),
                event("p7", customer, h3.plusSeconds(60), type, "{\"endpoint\": \"c\", \"region\": \"eu\"}"),
                event("p8", other, h1.plusSeconds(60), type, "{\"endpoint\": \"a|b\", \"region\": \"eu\"}")))
                .then().statusCode(202).body("accepted", equalTo(8));
        Instant to = h3.plus(1, ChronoUnit.HOURS);
        List<String> expected = List.of(
                h1 + " B\\ us = 1",
                h1 + " a|b ~ = 1",
                h1 + " a|b eu = 2",
                h2 + " ~ eu = 1",
                h2 + " a|b  = 1",
                h3 + " c eu = 1");
        Page whole = Fixtures.await("all 7 events of " + customer + " aggregated", Duration.ofSeconds(20),
                () -> page(calls, customer, h1, to, "endpoint,region", null, null), pg -> pg.rows().equals(expected));
        assertNull(whole.next(), "the default limit holds every row: no cursor on the last page");
        for (int limit : new int[] {1, 2, 4, 5, 6}) {
            assertEquals(expected, allPages(calls, customer, h1, to, limit), "pages of " + limit);
        }
        Page first = page(calls, customer, h1, to, "endpoint,region", 6, null);
        assertNull(first.next(), "a page that ends exactly at the last row has no cursor");
    }

    @Test
    void aCursorIsRefusedWithAnotherQueryAndBadLimitsOrForgedCursorsAre400sNamingTheParameter() {
        String p = Fixtures.unique("pagebad");
        String type = p + ".request", calls = p + "_calls";
        Fixtures.createMeter(AggregationTest.meter(calls, type, "count", null,
                "{\"endpoint\": \"$.endpoint\", \"region\": \"$.region\"}", null));
        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        Instant h1 = Fixtures.hoursAgo(10);
        ingest(batch(
                event("q1", customer, h1.plusSeconds(60), type, "{\"endpoint\": \"x\", \"region\": \"eu\"}"),
                event("q2", customer, h1.plusSeconds(60), type, "{\"endpoint\": \"y\", \"region\": \"eu\"}")))
                .then().statusCode(202).body("accepted", equalTo(2));
        Instant to = h1.plus(2, ChronoUnit.HOURS);
        Page first = Fixtures.await("both events aggregated", Duration.ofSeconds(20),
                () -> page(calls, customer, h1, to, "endpoint,region", 1, null), pg -> pg.next() != null);

        for (String[] other : new String[][] {
                {"group_by", "endpoint"}, {"to", to.plus(1, ChronoUnit.HOURS).toString()}, {"customer_id", Fixtures.customerId()}}) {
            java.util.Map<String, Object> params = new java.util.HashMap<>(java.util.Map.of("customer_id", customer,
                    "from", h1.toString(), "to", to.toString(), "group_by", "endpoint,region", "cursor", first.next()));
            params.put(other[0], other[1]); // the same cursor with one parameter changed
            given().auth().oauth2(Tokens.admin()).queryParams(params).get("/v1/meters/" + calls + "/usage").then()
                    .statusCode(400).contentType("application/problem+json").body("errors.field", hasItem("cursor"));
        }
        for (String forged : new String[] {"not-base64!", "eHg", "MTIzfDB8K3g"}) {
            given().auth().oauth2(Tokens.admin()).queryParam("customer_id", customer).queryParam("from", h1.toString())
                    .queryParam("to", to.toString()).queryParam("group_by", "endpoint,region").queryParam("cursor", forged)
                    .get("/v1/meters/" + calls + "/usage").then().statusCode(400).body("errors.field", hasItem("cursor"));
        }
        for (String limit : new String[] {"0", "10001", "abc"}) {
            given().auth().oauth2(Tokens.admin()).queryParam("customer_id", customer).queryParam("from", h1.toString())
                    .queryParam("to", to.toString()).queryParam("limit", limit)
                    .get("/v1/meters/" + calls + "/usage").then().statusCode(400).body("errors.field", hasItem("limit"));
        }
    }
}
