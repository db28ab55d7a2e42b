package dev.apimon.invoice.bench;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.invoice.support.Rating;
import dev.apimon.invoice.support.StandIns;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.MutableClock;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Tokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Benchmark (run by bench/invoice/run.sh, skipped otherwise): N subscriptions (default 10,000) are
 * seeded into invoice-service's view, their opening invoices are issued, then ONE billing run closes all their
 * periods — rated period from the rating stand-in over HTTP with a client-credentials token, draft, credits/tax,
 * gap-free number, finalization, billing.invoices outbox event and Stripe sync job for each — and is timed.
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "apimon.bench", matches = "true")
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(StandIns.class)
class PeriodCloseBench {
    static final String ANCHOR = "2026-01-01T00:00:00Z";
    static final String END = "2026-02-01T00:00:00Z";

    @Inject
    AgroalDataSource db;
    @Inject
    MutableClock clock;

    @AfterEach
    void reset() {
        clock.reset();
    }

    @Test
    void closeThePeriodsOfManySubscriptions() throws Exception {
        int n = Integer.getInteger("bench.subscriptions", 10_000);
        Rating.plan("bench-pro", 1, "Pro", "49.00");
        // one static rated-period document for every customer (the stand-in does no templating work)
        Rating.Period period = Rating.period("cus_bench", ANCHOR, END).plan("bench-pro", 1)
                .fee("Pro monthly fee", "49.00").usage("api_calls", "15000", "25.00").totals("74.00", "0.00", "26.00", "0.00", "100.00");
        StandIns.rating().stubFor(get(urlPathMatching("/v1/customers/[^/]+/rated-periods"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(period.json())));

        long t0 = System.nanoTime();
        seed(n);
        double seedSeconds = (System.nanoTime() - t0) / 1e9;

        clock.set(Instant.parse(ANCHOR));
        long t1 = System.nanoTime();
        JsonPath opening = run(ANCHOR);
        double openSeconds = (System.nanoTime() - t1) / 1e9;
        assertEquals(n, opening.getInt("opened"), opening.prettify());

        clock.set(Instant.parse("2026-02-01T01:00:00Z"));
        long t2 = System.nanoTime();
        JsonPath close = run("2026-02-01T01:00:00Z");
        double closeSeconds = (System.nanoTime() - t2) / 1e9;
        assertEquals(0, close.getList("errors").size(), close.getString("errors[0].message"));
        assertEquals(n, close.getInt("drafted"));
        assertEquals(n, close.getInt("finalized"));
        assertEquals(2 * n, count("SELECT count(*) FROM invoices WHERE number LIKE 'INV-2026-%'"));
        assertEquals(n, count("SELECT count(*) FROM invoices WHERE kind = 'period' AND total = 120.00 AND status = 'finalized'"));
        assertEquals(2 * n, count("SELECT max(substring(number from 10)::int) FROM invoices WHERE number LIKE 'INV-2026-%'"), "gap-free");

        String report = String.format("period close benchmark: %d subscriptions on %d cores%n"
                        + "  seed view (SQL):                 %6.1f s%n"
                        + "  opening invoices (1 billing run):  %6.1f s (%.0f invoices/s)%n"
                        + "  PERIOD CLOSE (1 billing run):      %6.1f s (%.0f invoices/s): rated period over HTTP, draft, finalize, number, "
                        + "outbox event, Stripe job each%n"
                        + "BENCH subscriptions=%d period_close_s=%.1f%n",
                n, Runtime.getRuntime().availableProcessors(), seedSeconds, openSeconds, n / openSeconds, closeSeconds, n / closeSeconds,
                n, closeSeconds);
        System.out.println(report);
        Path out = Path.of("target", "bench", "period-close.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
    }

    private static JsonPath run(String asOf) {
        // a run of 10,000 is one long request: give it time
        var slow = io.restassured.config.RestAssuredConfig.config().httpClient(io.restassured.config.HttpClientConfig.httpClientConfig()
                .setParam("http.socket.timeout", 600_000).setParam("http.connection.timeout", 10_000));
        return given().config(slow).auth().oauth2(Tokens.admin()).contentType(ContentType.JSON).body(Map.of("as_of", asOf))
                .post("/v1/billing-runs").then().statusCode(200).extract().jsonPath();
    }

    private int count(String sql) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private void seed(int n) throws Exception {
        Timestamp anchor = Timestamp.from(Instant.parse(ANCHOR));
        Timestamp end = Timestamp.from(Instant.parse(END));
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement cu = c.prepareStatement("INSERT INTO customers (id, name, email, currency, region, status, updated_at) "
                    + "VALUES (?,?,?,'USD','GB','active',now())");
                 PreparedStatement su = c.prepareStatement("INSERT INTO subscriptions (subscription_id, customer_id, plan_code, plan_version, "
                         + "status, period_anchor, current_period_start, current_period_end, snapshot, updated_at) "
                         + "VALUES (?,?,'bench-pro',1,'active',?,?,?,'{}',?)");
                 PreparedStatement hi = c.prepareStatement("INSERT INTO subscription_plan_history (subscription_id, event_id, effective_at, "
                         + "plan_code, plan_version) VALUES (?,?,?,'bench-pro',1)")) {
                for (int i = 0; i < n; i++) {
                    String cus = String.format("cus_bench%011d", i);
                    cu.setString(1, cus);
                    cu.setString(2, "Bench " + i);
                    cu.setString(3, cus + "@bench.example");
                    cu.addBatch();
                    su.setString(1, "sub_" + cus);
                    su.setString(2, cus);
                    su.setTimestamp(3, anchor);
                    su.setTimestamp(4, anchor);
                    su.setTimestamp(5, end);
                    su.setTimestamp(6, anchor);
                    su.addBatch();
                    hi.setString(1, "sub_" + cus);
                    hi.setString(2, "seed-" + i);
                    hi.setTimestamp(3, anchor);
                    hi.addBatch();
                    if (i % 1000 == 999 || i == n - 1) {
                        cu.executeBatch();
                        su.executeBatch();
                        hi.executeBatch();
                    }
                }
            }
            c.commit();
        }
    }
}
