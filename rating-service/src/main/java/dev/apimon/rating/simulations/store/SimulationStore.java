package dev.apimon.rating.simulations.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.rating.pricing.Charge;
import dev.apimon.rating.simulations.domain.Timeline;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Set-based reads for simulations (one query per chunk of customers, never one per customer) and the simulation
 * jobs themselves; callers own the connection.
 */
@Singleton
public class SimulationStore {
    private final ObjectMapper json;

    public SimulationStore(ObjectMapper json) {
        this.json = json;
    }

    /** Who a simulation covers: exactly one of the four is set. */
    public record Selector(boolean all, String planCode, Map<String, String> segment, List<String> customerIds) {
    }

    /** rollupAnchor: where the customer's usage rollups are cut (usage_rollup_anchors). */
    public record Subscriber(String customerId, String planCode, int planVersion, String status, Instant anchor, String segment,
                             Instant rollupAnchor) {
    }

    public record CouponUse(String code, BigDecimal percent, BigDecimal amount, Instant startsAt, Instant endsAt) {
    }

    /** One customer's billing period [start, end) whose usage is wanted, and the table it is made of whole rows of. */
    public record PeriodKey(String customerId, Instant start, Instant end, Timeline.Rollup rollup) {
    }

    public record Job(String id, String status, String request, String result, int processed, int total, String error,
                      Instant createdAt, Instant completedAt) {
    }

    public List<Subscriber> subscribers(Connection c, Selector s, String segmentBy) throws SQLException {
        String where;
        if (s.all()) {
            where = "TRUE";
        } else if (s.planCode() != null) {
            where = "s.plan_code = ?";
        } else if (s.segment() != null) {
            where = "c.attributes @> ?::jsonb";
        } else {
            where = "s.customer_id = ANY (?)";
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT s.customer_id, s.plan_code, s.plan_version, s.status, s.period_anchor, "
                + "c.attributes ->> ?, o.anchor FROM rating_subscriptions s "
                + "LEFT JOIN rating_customers c ON c.id = s.customer_id LEFT JOIN usage_rollup_anchors o ON o.customer_id = s.customer_id "
                + "WHERE " + where + " ORDER BY s.customer_id")) {
            ps.setString(1, segmentBy);
            if (s.planCode() != null) {
                ps.setString(2, s.planCode());
            } else if (s.segment() != null) {
                ps.setString(2, json.writeValueAsString(s.segment()));
            } else if (!s.all()) {
                ps.setArray(2, c.createArrayOf("text", s.customerIds().toArray()));
            }
            List<Subscriber> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Subscriber(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getTimestamp(5).toInstant(),
                            rs.getString(6), rs.getTimestamp(7) == null ? Timeline.DEFAULT_ROLLUP_ANCHOR : rs.getTimestamp(7).toInstant()));
                }
            }
            return out;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public Map<String, List<Timeline.PlanAt>> histories(Connection c, List<String> customerIds) throws SQLException {
        Map<String, List<Timeline.PlanAt>> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT customer_id, effective_at, plan_code, plan_version, status "
                + "FROM subscription_history WHERE customer_id = ANY (?) ORDER BY customer_id, effective_at, event_id")) {
            ps.setArray(1, c.createArrayOf("text", customerIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new Timeline.PlanAt(rs.getTimestamp(2).toInstant(),
                            rs.getString(3), rs.getInt(4), rs.getString(5)));
                }
            }
        }
        return out;
    }

    public Map<String, Map<String, Charge>> overrides(Connection c, List<String> customerIds) throws SQLException {
        Map<String, Map<String, Charge>> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT customer_id, meter, charge FROM price_overrides WHERE customer_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", customerIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(rs.getString(2), json.readValue(rs.getString(3), Charge.class));
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    public Map<String, List<CouponUse>> discounts(Connection c, List<String> customerIds) throws SQLException {
        Map<String, List<CouponUse>> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT d.customer_id, k.code, k.percent, k.amount, d.starts_at, d.ends_at "
                + "FROM customer_discounts d JOIN coupons k ON k.code = d.coupon_code WHERE d.customer_id = ANY (?) ORDER BY d.id")) {
            ps.setArray(1, c.createArrayOf("text", customerIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp ends = rs.getTimestamp(6);
                    out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new CouponUse(rs.getString(2), rs.getBigDecimal(3),
                            rs.getBigDecimal(4), rs.getTimestamp(5).toInstant(), ends == null ? null : ends.toInstant()));
                }
            }
        }
        return out;
    }

    private static final String RANGES = "WITH p AS (SELECT customer_id, s::timestamptz AS s, e::timestamptz AS e, idx "
            + "FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS t(customer_id, s, e, idx)) ";
    private static final String MONTHS = rollupSql("usage_months", "month_start");
    private static final String DAYS = rollupSql("usage_days", "day_start");
    private static final String HOURS = RANGES + "SELECT p.idx, u.meter, min(u.aggregation), sum(u.value), max(u.value), min(u.value) "
            + "FROM p JOIN usage_hours u ON u.customer_id = p.customer_id AND u.env = 'live' AND u.meter = ANY (?::text[]) "
            + "AND u.window_start >= p.s AND u.window_start < p.e GROUP BY p.idx, u.meter";
    // the last value of "latest" meters, apart: an ordered aggregate in the queries above would sort every row they read
    private static final String MONTHS_LATEST = rollupLatestSql("usage_months", "month_start");
    private static final String DAYS_LATEST = rollupLatestSql("usage_days", "day_start");
    private static final String HOURS_LATEST = RANGES + "SELECT DISTINCT ON (p.idx, u.meter) p.idx, u.meter, u.value "
            + "FROM p JOIN usage_hours u ON u.customer_id = p.customer_id AND u.env = 'live' AND u.meter = ANY (?::text[]) "
            + "AND u.window_start >= p.s AND u.window_start < p.e AND u.value IS NOT NULL "
            + "ORDER BY p.idx, u.meter, u.window_start DESC, u.group_key DESC";

    private static String rollupSql(String table, String start) {
        return RANGES + "SELECT p.idx, u.meter, min(u.aggregation), sum(u.sum_value), max(u.max_value), min(u.min_value) FROM p JOIN "
                + table + " u ON u.customer_id = p.customer_id AND u.env = 'live' AND u." + start + " >= p.s AND u." + start + " < p.e "
                + "AND u.meter = ANY (?::text[]) GROUP BY p.idx, u.meter";
    }

    private static String rollupLatestSql(String table, String start) {
        return RANGES + "SELECT DISTINCT ON (p.idx, u.meter) p.idx, u.meter, u.latest_value FROM p JOIN " + table + " u "
                + "ON u.customer_id = p.customer_id AND u.env = 'live' AND u." + start + " >= p.s AND u." + start + " < p.e "
                + "AND u.meter = ANY (?::text[]) AND u.latest_at IS NOT NULL ORDER BY p.idx, u.meter, u.latest_at DESC";
    }

    /**
     * Live usage of many (customer, period) pairs in a few statements: periods made of whole rollup months from
     * usage_months (one index-only row per meter and month), of whole rollup days from usage_days, any other from
     * usage_hours. The pairs travel as arrays,
     * PostgreSQL aggregates per pair and meter (sum for count/sum/unique_count, max, min, or the latest value, as
     * UsageTotals does) and only those rows come back; the result is indexed like {@code keys}. Only {@code meters} are
     * read, which keeps the scans on the (customer, meter) prefix of usage_hours' key.
     */
    public List<Map<String, BigDecimal>> periodUsage(Connection c, List<PeriodKey> keys, Collection<String> meters) throws SQLException {
        List<Map<String, BigDecimal>> out = new ArrayList<>(keys.size());
        Map<Timeline.Rollup, Ranges> ranges = new java.util.EnumMap<>(Timeline.Rollup.class);
        for (Timeline.Rollup r : Timeline.Rollup.values()) {
            ranges.put(r, new Ranges());
        }
        for (int i = 0; i < keys.size(); i++) {
            out.add(new HashMap<>());
            PeriodKey k = keys.get(i);
            ranges.get(k.rollup()).add(i, k.customerId(), k.start().toString(), k.end().toString());
        }
        String[] wanted = meters.toArray(String[]::new);
        for (Timeline.Rollup level : Timeline.Rollup.values()) {
            Ranges r = ranges.get(level);
            Set<String> latest = new HashSet<>();
            read(c, switch (level) {
                case MONTHS -> MONTHS;
                case DAYS -> DAYS;
                case HOURS -> HOURS;
            }, r, wanted, rs -> {
                String meter = rs.getString(2);
                BigDecimal value = switch (rs.getString(3)) {
                    case "max" -> rs.getBigDecimal(5);
                    case "min" -> rs.getBigDecimal(6);
                    case "latest" -> {
                        latest.add(meter);
                        yield null;
                    }
                    default -> rs.getBigDecimal(4);
                };
                if (value != null) {
                    out.get(r.key.get(rs.getInt(1) - 1)).put(meter, value.stripTrailingZeros());
                }
            });
            if (!latest.isEmpty()) {
                read(c, switch (level) {
                    case MONTHS -> MONTHS_LATEST;
                    case DAYS -> DAYS_LATEST;
                    case HOURS -> HOURS_LATEST;
                }, r, latest.toArray(String[]::new),
                        rs -> out.get(r.key.get(rs.getInt(1) - 1)).put(rs.getString(2), rs.getBigDecimal(3).stripTrailingZeros()));
            }
        }
        return out;
    }

    private interface RowHandler {
        void row(ResultSet rs) throws SQLException;
    }

    /** Ranges to read, as parallel arrays for unnest, each remembering the period key it belongs to. */
    private static final class Ranges {
        final List<Integer> key = new ArrayList<>();
        final List<String> ids = new ArrayList<>();
        final List<String> from = new ArrayList<>();
        final List<String> to = new ArrayList<>();

        void add(int k, String id, String f, String t) {
            key.add(k);
            ids.add(id);
            from.add(f);
            to.add(t);
        }
    }

    private static void read(Connection c, String sql, Ranges r, String[] meters, RowHandler handler) throws SQLException {
        if (r.ids.isEmpty() || meters.length == 0) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", r.ids.toArray()));
            ps.setArray(2, c.createArrayOf("text", r.from.toArray()));
            ps.setArray(3, c.createArrayOf("text", r.to.toArray()));
            ps.setArray(4, c.createArrayOf("text", meters));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    handler.row(rs);
                }
            }
        }
    }

    // ---- jobs ----

    public void insertJob(Connection c, String id, String request, int total, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO simulations (id, status, request, processed, total, created_at) "
                + "VALUES (?, 'running', ?::jsonb, 0, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, request);
            ps.setInt(3, total);
            ps.setTimestamp(4, Timestamp.from(at));
            ps.executeUpdate();
        }
    }

    public void progress(Connection c, String id, int processed) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE simulations SET processed = ? WHERE id = ?")) {
            ps.setInt(1, processed);
            ps.setString(2, id);
            ps.executeUpdate();
        }
    }

    public void finish(Connection c, String id, String status, String result, String error, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE simulations SET status = ?, result = ?::jsonb, error = ?, "
                + "processed = CASE WHEN ? = 'completed' THEN total ELSE processed END, completed_at = ? WHERE id = ?")) {
            ps.setString(1, status);
            ps.setString(2, result);
            ps.setString(3, error);
            ps.setString(4, status);
            ps.setTimestamp(5, Timestamp.from(at));
            ps.setString(6, id);
            ps.executeUpdate();
        }
    }

    public Optional<Job> job(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id, status, request::text, result::text, processed, total, error, "
                + "created_at, completed_at FROM simulations WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Timestamp done = rs.getTimestamp(9);
                return Optional.of(new Job(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5), rs.getInt(6),
                        rs.getString(7), rs.getTimestamp(8).toInstant(), done == null ? null : done.toInstant()));
            }
        }
    }
}
