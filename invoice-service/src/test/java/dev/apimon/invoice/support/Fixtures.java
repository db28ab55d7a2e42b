package dev.apimon.invoice.support;

import static io.restassured.RestAssured.given;

import dev.apimon.testinfra.Tokens;
import io.agroal.api.AgroalDataSource;
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/** Shared steps: wait until key-service's events are in invoice-service's view, read invoices through the API. */
public final class Fixtures {
    private Fixtures() {
    }

    public static void awaitCustomer(AgroalDataSource db, String id) {
        awaitRow(db, "SELECT 1 FROM customers WHERE id = ?", id);
    }

    /** Waits until the subscription of {@code customer} shows this plan code (and cancel flag). */
    public static void awaitSubscription(AgroalDataSource db, String customer, String planCode, boolean cancelAtPeriodEnd) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT 1 FROM subscriptions WHERE customer_id = ? AND plan_code = ? AND cancel_at_period_end = ?")) {
                ps.setString(1, customer);
                ps.setString(2, planCode);
                ps.setBoolean(3, cancelAtPeriodEnd);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    public static void awaitRow(AgroalDataSource db, String sql, String arg) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, arg);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /** A customer (region for tax) and its subscription, both arrived through Kafka. */
    public static void subscribe(AgroalDataSource db, String customer, String region, String planCode, String anchor, String periodEnd) {
        Kafka.customer(customer, "Customer " + customer, region);
        Kafka.send("subscriptions.events", customer, "com.apimon.subscription.created",
                Kafka.subscription(customer, planCode, 1, anchor, anchor, periodEnd, anchor));
        awaitCustomer(db, customer);
        awaitSubscription(db, customer, planCode, false);
    }

    /** The customer's invoices (admin view, drafts included), oldest first. */
    public static List<Map<String, Object>> invoices(String customer) {
        return given().auth().oauth2(Tokens.admin()).get("/v1/invoices?customer_id=" + customer).then().statusCode(200)
                .extract().jsonPath().getList("data");
    }

    public static JsonPath invoice(String id) {
        return given().auth().oauth2(Tokens.admin()).get("/v1/invoices/" + id).then().statusCode(200).extract().jsonPath();
    }

    /** "type|description|amount" of each line, for exact comparisons. */
    public static List<String> lines(JsonPath inv) {
        List<Map<String, Object>> lines = inv.getList("lines");
        return lines.stream().map(l -> l.get("type") + "|" + l.get("description") + "|" + l.get("amount")).toList();
    }

    /** Every number of that scope and year is used exactly once, from 1 up: no gap, no duplicate. */
    public static void assertGapFree(AgroalDataSource db, String scope, int year) {
        String table = "CN".equals(scope) ? "credit_notes" : "invoices";
        java.util.List<Integer> seen = new java.util.ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT number FROM " + table + " WHERE number LIKE ? ORDER BY number")) {
            ps.setString(1, scope + "-" + year + "-%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String n = rs.getString(1);
                    seen.add(Integer.parseInt(n.substring(n.lastIndexOf('-') + 1)));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < seen.size(); i++) {
            org.junit.jupiter.api.Assertions.assertEquals(i + 1, seen.get(i), scope + "-" + year + " numbers must run 1.." + seen.size()
                    + " without gaps: " + seen);
        }
    }

    public static void exec(AgroalDataSource db, String sql) {
        try (Connection c = db.getConnection(); var s = c.createStatement()) {
            s.execute(sql);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
