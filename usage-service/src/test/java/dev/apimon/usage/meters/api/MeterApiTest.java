package dev.apimon.usage.meters.api;

import static dev.apimon.usage.support.Fixtures.event;
import static dev.apimon.usage.support.Fixtures.hoursAgo;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

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
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class MeterApiTest {
    @Inject
    AgroalDataSource db;

    static String meter(String slug, String agg, String value) {
        return meter(slug, "api.request", agg, value);
    }

    // meters are global: each test that ingests uses its own event type so other tests' meters do not apply
    static String meter(String slug, String type, String agg, String value) {
        return "{\"slug\": \"" + slug + "\", \"event_type\": \"" + type + "\", \"aggregation\": \"" + agg + "\""
                + (value == null ? "" : ", \"value_property\": \"" + value + "\"")
                + ", \"group_by\": {\"endpoint\": \"$.endpoint\"}, \"filter\": {\"$.status\": {\"lt\": 500}}}";
    }

    @Test
    void createReadListAndIdempotentRepeat() {
        String slug = Fixtures.unique("bytes");
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(meter(slug, "sum", "$.bytes"))
                .post("/v1/meters").then().statusCode(201)
                .header("Location", org.hamcrest.Matchers.endsWith("/v1/meters/" + slug))
                .body("slug", equalTo(slug)).body("aggregation", equalTo("sum")).body("value_property", equalTo("$.bytes"))
                .body("group_by.endpoint", equalTo("$.endpoint")).body("filter.'$.status'.lt", equalTo(500))
                .body("created_at", notNullValue());
        // the same definition again is not an error (a deploy script can re-run); another definition is
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(meter(slug, "sum", "$.bytes"))
                .post("/v1/meters").then().statusCode(200).body("slug", equalTo(slug));
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(meter(slug, "max", "$.bytes"))
                .post("/v1/meters").then().statusCode(409).contentType("application/problem+json").body("code", equalTo("METER_EXISTS"));
        given().auth().oauth2(Tokens.alice()).get("/v1/meters/" + slug).then().statusCode(200).body("event_type", equalTo("api.request"));
        given().auth().oauth2(Tokens.admin()).get("/v1/meters/nope_nope").then().statusCode(404).body("code", equalTo("NOT_FOUND"));
        given().auth().oauth2(Tokens.admin()).queryParam("limit", 500).get("/v1/meters").then().statusCode(200)
                .body("data.slug", hasItems(slug)).body("next_cursor", nullValue());
    }

    @Test
    void listIsCursorPaginated() {
        String prefix = Fixtures.unique("page");
        for (int i = 0; i < 3; i++) {
            Fixtures.createMeter(meter(prefix + "_" + i, "count", null));
        }
        String cursor = given().auth().oauth2(Tokens.admin()).queryParam("limit", 1).queryParam("cursor", prefix)
                .get("/v1/meters").then().statusCode(200).body("data.slug", containsInAnyOrder(prefix + "_0"))
                .extract().path("next_cursor");
        given().auth().oauth2(Tokens.admin()).queryParam("limit", 1).queryParam("cursor", cursor)
                .get("/v1/meters").then().statusCode(200).body("data.slug", containsInAnyOrder(prefix + "_1"));
        // a limit that is not a number is a 400 naming it (a JAX-RS Integer parameter would make it a bare 404)
        given().auth().oauth2(Tokens.admin()).queryParam("limit", "abc").get("/v1/meters").then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("limit"));
        given().auth().oauth2(Tokens.admin()).queryParam("limit", "abc").queryParam("customer_id", "cus_x").get("/v1/events")
                .then().statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo("limit"));
    }

    @Test
    void invalidDefinitionsNameEveryField() {
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\": \"Bad-Slug\", \"aggregation\": \"avg\", \"group_by\": {\"e\": \"$..x\"}, \"filter\": {\"$.s\": {\"near\": 1}}}")
                .post("/v1/meters").then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("VALIDATION_FAILED"))
                .body("errors.field", containsInAnyOrder("slug", "event_type", "aggregation", "group_by.e", "filter"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\": \"s1\", \"event_type\": \"t\", \"aggregation\": \"sum\"}")
                .post("/v1/meters").then().statusCode(400).body("errors[0].field", equalTo("value_property"));
        // what PostgreSQL cannot store (refused while the body is read, at the first such field), and filter numbers
        // no event value can be read as: 400s naming the field, not 500s
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\": \"s2\", \"event_type\": \"a\\u0000b\", \"aggregation\": \"count\"}")
                .post("/v1/meters").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", containsInAnyOrder("event_type"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\": \"s2\", \"event_type\": \"t\", \"aggregation\": \"count\", \"group_by\": {\"e\": \"$.x\\ud83d\"}}")
                .post("/v1/meters").then().statusCode(400).body("errors.field", containsInAnyOrder("group_by.e"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\": \"s2\", \"event_type\": \"t\", \"aggregation\": \"count\", "
                        + "\"filter\": {\"$.status\": 1e40, \"$.region\": \"eu\\u0000\"}}")
                .post("/v1/meters").then().statusCode(400).body("errors.field", containsInAnyOrder("filter"));
        // a misspelled field is refused, not ignored: "filters" would have made a meter counting every request
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\": \"s2\", \"event_type\": \"t\", \"aggregation\": \"count\", \"filters\": {\"$.status\": {\"gte\": 500}}}")
                .post("/v1/meters").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", containsInAnyOrder("filters"));
        given().auth().oauth2(Tokens.admin()).get("/v1/meters/s2").then().statusCode(404);
        // what GET answers can be PUT back: its read-only fields are not unknown ones
        String s3 = "s3_" + System.nanoTime();
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\": \"" + s3 + "\", \"event_type\": \"t\", \"aggregation\": \"count\"}").post("/v1/meters").then().statusCode(201);
        String read = given().auth().oauth2(Tokens.admin()).get("/v1/meters/" + s3).then().statusCode(200).extract().asString();
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(read.replace("\"event_type\":\"t\"", "\"event_type\":\"t2\""))
                .put("/v1/meters/" + s3).then().statusCode(200).body("event_type", equalTo("t2"));
    }

    @Test
    void onlyAdminsDefineMeters() {
        given().auth().oauth2(Tokens.alice()).contentType("application/json").body(meter("x_alice", "count", null))
                .post("/v1/meters").then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(Fixtures.writer()).contentType("application/json").body(meter("x_gw", "count", null))
                .post("/v1/meters").then().statusCode(403);
        given().contentType("application/json").body(meter("x_anon", "count", null)).post("/v1/meters").then().statusCode(401);
        given().get("/v1/meters").then().statusCode(401);
        // nor change one: the definition stays as the admin made it
        String slug = Fixtures.unique("guarded");
        Fixtures.createMeter(meter(slug, slug + ".request", "count", null));
        given().auth().oauth2(Tokens.alice()).contentType("application/json").body(meter(slug, "sum", "$.bytes"))
                .put("/v1/meters/" + slug).then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(Fixtures.writer()).contentType("application/json").body(meter(slug, "sum", "$.bytes"))
                .put("/v1/meters/" + slug).then().statusCode(403);
        given().contentType("application/json").body(meter(slug, "sum", "$.bytes")).put("/v1/meters/" + slug).then().statusCode(401);
        given().get("/v1/meters/" + slug).then().statusCode(401);
        given().auth().oauth2(Tokens.alice()).get("/v1/meters/" + slug).then().statusCode(200)
                .body("aggregation", equalTo("count")).body("event_type", equalTo(slug + ".request"));
    }

    @Test
    void aggregationIsFixedOnceTheMeterHasData() {
        String slug = Fixtures.unique("calls");
        String type = slug + ".request";
        Fixtures.createMeter(meter(slug, type, "count", null));
        // no data yet: the aggregation may still change
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(meter(slug, type, "sum", "$.bytes"))
                .put("/v1/meters/" + slug).then().statusCode(200).body("aggregation", equalTo("sum"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(meter(slug, type, "count", null))
                .put("/v1/meters/" + slug).then().statusCode(200).body("aggregation", equalTo("count"));

        String customer = Fixtures.insertCustomer(db, Fixtures.customerId(), null);
        Fixtures.ingest(Fixtures.batch(event("m1", customer, hoursAgo(2), type, "{\"endpoint\": \"GET /pets\", \"status\": 200}")))
                .then().statusCode(202).body("accepted", equalTo(1));
        Fixtures.await("the meter's first bucket", Duration.ofSeconds(20),
                () -> Fixtures.count(db, "SELECT count(*) FROM usage_buckets WHERE meter = ?", slug), n -> n > 0);

        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(meter(slug, type, "sum", "$.bytes"))
                .put("/v1/meters/" + slug).then().statusCode(409).contentType("application/problem+json")
                .body("code", equalTo("METER_HAS_DATA"));
        // other parts of the definition may change; the slug may not
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"event_type\": \"" + type + "\", \"aggregation\": \"count\", \"group_by\": {}}")
                .put("/v1/meters/" + slug).then().statusCode(200).body("group_by.size()", equalTo(0));
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(meter("other_slug", "count", null))
                .put("/v1/meters/" + slug).then().statusCode(400).body("errors[0].field", equalTo("slug"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(meter("nope_x", "count", null))
                .put("/v1/meters/nope_x").then().statusCode(404);
    }
}
