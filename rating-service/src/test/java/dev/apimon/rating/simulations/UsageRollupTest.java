package dev.apimon.rating.simulations;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimon.platform.db.Transactions;
import dev.apimon.rating.simulations.domain.Timeline;
import dev.apimon.rating.simulations.store.SimulationStore;
import dev.apimon.rating.spend.store.SpendStore;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** usage_days follows usage_hours exactly and is cut at the customer's anchor time of day, also when usage came first. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
class UsageRollupTest {
    @Inject
    AgroalDataSource db;
    @Inject
    SpendStore store;
    @Inject
    SimulationStore simulations;

    private void hour(String cus, String meter, String at, String value, long version, String group) throws Exception {
        hour(cus, meter, "count", at, value, version, group);
    }

    private void hour(String cus, String meter, String aggregation, String at, String value, long version, String group) throws Exception {
        Transactions.run(db, c -> store.upsertHour(c, cus, meter, Instant.parse(at), group, "live", aggregation,
                value == null ? null : new BigDecimal(value), version));
    }

    private List<String> days(String cus) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT day_start, meter, sum_value, max_value, "
                + "latest_value FROM usage_days WHERE customer_id = ? ORDER BY day_start, meter")) {
            ps.setString(1, cus);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getTimestamp(1).toInstant() + " " + rs.getString(2) + " sum=" + plain(rs.getBigDecimal(3))
                            + " max=" + plain(rs.getBigDecimal(4)) + " latest=" + plain(rs.getBigDecimal(5)));
                }
            }
        }
        return out;
    }

    private static String plain(BigDecimal v) {
        return v == null ? "none" : v.stripTrailingZeros().toPlainString();
    }

    private static Map<String, String> plain(Map<String, BigDecimal> usage) {
        Map<String, String> out = new java.util.TreeMap<>();
        usage.forEach((meter, q) -> out.put(meter, q.toPlainString()));
        return out;
    }

    @Test
    void daysStartAtMidnightUntilTheSubscriptionSaysOtherwise_thenAtItsAnchorsTimeOfDay() throws Exception {
        String cus = "cus_rollup_" + System.nanoTime();
        hour(cus, "api_calls", "2026-01-15T10:00:00Z", "5", 1, "{}");
        hour(cus, "api_calls", "2026-01-15T13:00:00Z", "7", 1, "{}");
        hour(cus, "api_calls", "2026-01-15T13:00:00Z", "1", 1, "{\"endpoint\":\"GET /pets\"}");
        hour(cus, "api_calls", "2026-01-16T11:00:00Z", "11", 1, "{}");
        hour(cus, "api_calls", "2026-01-16T12:00:00Z", "13", 1, "{}");
        assertEquals(List.of("2026-01-15T00:00:00Z api_calls sum=13 max=7 latest=7", "2026-01-16T00:00:00Z api_calls sum=24 max=13 latest=13"),
                days(cus));

        // the subscription arrives: anchored at noon, its days run noon to noon
        Transactions.run(db, c -> store.upsertSubscription(c, new SpendStore.Subscription(cus, "sub_" + cus, "p", 1, "active",
                Instant.parse("2026-01-01T12:00:00Z")), "{}", Instant.parse("2026-01-16T15:00:00Z")));
        assertEquals(List.of("2026-01-14T12:00:00Z api_calls sum=5 max=5 latest=5", "2026-01-15T12:00:00Z api_calls sum=19 max=11 latest=11",
                "2026-01-16T12:00:00Z api_calls sum=13 max=13 latest=13"), days(cus));

        // a newer version of a bucket replaces its value; a stale one changes nothing
        hour(cus, "api_calls", "2026-01-16T11:00:00Z", "20", 2, "{}");
        hour(cus, "api_calls", "2026-01-16T11:00:00Z", "3", 1, "{}");
        assertEquals("2026-01-15T12:00:00Z api_calls sum=28 max=20 latest=20", days(cus).get(1));

        // a plan change keeps the anchor: nothing is recut
        Transactions.run(db, c -> store.upsertSubscription(c, new SpendStore.Subscription(cus, "sub_" + cus, "p", 2, "active",
                Instant.parse("2026-01-01T12:00:00Z")), "{}", Instant.parse("2026-01-17T15:00:00Z")));
        assertEquals(3, days(cus).size());

        // a period read from the rollup days equals the same period read from the hours, for every aggregation
        hour(cus, "seats", "latest", "2026-01-15T09:00:00Z", "4", 1, "{}");
        hour(cus, "seats", "latest", "2026-01-16T10:00:00Z", "6", 1, "{}");
        hour(cus, "seats", "latest", "2026-01-16T13:00:00Z", "9", 1, "{}");   // the next period
        hour(cus, "storage", "max", "2026-01-15T14:00:00Z", "30", 1, "{}");
        hour(cus, "storage", "max", "2026-01-16T08:00:00Z", "50", 1, "{}");
        Instant from = Instant.parse("2026-01-14T12:00:00Z");
        Instant to = Instant.parse("2026-01-16T12:00:00Z");
        Instant month = Instant.parse("2026-01-01T12:00:00Z");
        Instant monthEnd = Instant.parse("2026-02-01T12:00:00Z");
        List<String> meters = List.of("api_calls", "seats", "storage");
        try (Connection c = db.getConnection()) {
            List<Map<String, BigDecimal>> usage = simulations.periodUsage(c, List.of(
                    new SimulationStore.PeriodKey(cus, from, to, Timeline.Rollup.DAYS),
                    new SimulationStore.PeriodKey(cus, from, to, Timeline.Rollup.HOURS),
                    new SimulationStore.PeriodKey(cus, month, monthEnd, Timeline.Rollup.MONTHS),
                    new SimulationStore.PeriodKey(cus, month, monthEnd, Timeline.Rollup.HOURS)), meters);
            Map<String, String> twoDays = Map.of("api_calls", "33", "seats", "6", "storage", "50");
            assertEquals(twoDays, plain(usage.get(0)), "two noon-to-noon days from usage_days");
            assertEquals(twoDays, plain(usage.get(1)), "the same from usage_hours");
            Map<String, String> wholeMonth = Map.of("api_calls", "46", "seats", "9", "storage", "50");
            assertEquals(wholeMonth, plain(usage.get(2)), "the billing month from usage_months");
            assertEquals(wholeMonth, plain(usage.get(3)), "the same from usage_hours");
            assertEquals(Map.of("api_calls", "46"), plain(simulations.periodUsage(c,
                    List.of(new SimulationStore.PeriodKey(cus, month, monthEnd, Timeline.Rollup.MONTHS)), List.of("api_calls")).get(0)),
                    "only the meters asked for");
        }
    }

    @Test
    void anHourCorrectionsEmptiedIsNoReading_maxMinAndLatestSkipIt() throws Exception {
        String cus = "cus_empty_" + System.nanoTime();
        hour(cus, "seats", "latest", "2026-01-15T10:00:00Z", "5", 1, "{}");
        hour(cus, "seats", "latest", "2026-01-15T11:00:00Z", "7", 1, "{}");
        hour(cus, "low", "min", "2026-01-15T10:00:00Z", "3", 1, "{}");
        hour(cus, "low", "min", "2026-01-15T11:00:00Z", "4", 1, "{}");
        // corrections voided the 11:00 events: usage.aggregates says events 0 (stored as no value)
        hour(cus, "seats", "latest", "2026-01-15T11:00:00Z", null, 2, "{}");
        hour(cus, "low", "min", "2026-01-15T10:00:00Z", null, 2, "{}");
        hour(cus, "gone", "max", "2026-01-16T10:00:00Z", "9", 1, "{}");
        hour(cus, "gone", "max", "2026-01-16T10:00:00Z", null, 2, "{}");
        assertEquals(List.of("2026-01-15T00:00:00Z low sum=4 max=4 latest=4", "2026-01-15T00:00:00Z seats sum=5 max=5 latest=5",
                "2026-01-16T00:00:00Z gone sum=none max=none latest=none"), days(cus));

        Instant from = Instant.parse("2026-01-15T00:00:00Z");
        Instant to = Instant.parse("2026-01-17T00:00:00Z");
        Instant month = Instant.parse("2026-01-01T00:00:00Z");
        Instant monthEnd = Instant.parse("2026-02-01T00:00:00Z");
        List<String> meters = List.of("seats", "low", "gone");
        Map<String, String> expected = Map.of("seats", "5", "low", "4");
        try (Connection c = db.getConnection()) {
            List<Map<String, BigDecimal>> usage = simulations.periodUsage(c, List.of(
                    new SimulationStore.PeriodKey(cus, from, to, Timeline.Rollup.DAYS),
                    new SimulationStore.PeriodKey(cus, from, to, Timeline.Rollup.HOURS),
                    new SimulationStore.PeriodKey(cus, month, monthEnd, Timeline.Rollup.MONTHS)), meters);
            assertEquals(expected, plain(usage.get(0)), "from usage_days");
            assertEquals(expected, plain(usage.get(1)), "from usage_hours");
            assertEquals(expected, plain(usage.get(2)), "from usage_months");
            var live = store.usage(c, cus, from, to);
            assertEquals(List.of("5"), live.get("seats").hours().stream().map(h -> h.value().toPlainString()).toList(),
                    "live spend reads only hours with a reading");
            assertEquals(null, live.get("gone"));
        }
    }
}
