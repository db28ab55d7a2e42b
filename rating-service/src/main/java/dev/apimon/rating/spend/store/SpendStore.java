package dev.apimon.rating.spend.store;

import dev.apimon.rating.spend.domain.UsageTotals;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** rating's copies of subscriptions, customers and hourly usage; callers own the transaction. */
@Singleton
public class SpendStore {

    public record Subscription(String customerId, String subscriptionId, String planCode, int planVersion, String status,
                               Instant periodAnchor) {
    }

    public record HistoryEntry(Instant effectiveAt, String planCode, int planVersion, String status) {
    }

    public record MeterUsage(String aggregation, List<UsageTotals.Hour> hours) {
    }

    public void upsertCustomer(Connection c, String id, String currency, String status, String attributesJson, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO rating_customers (id, currency, status, attributes, updated_at) "
                + "VALUES (?,?,?,?::jsonb,?) ON CONFLICT (id) DO UPDATE SET currency = EXCLUDED.currency, status = EXCLUDED.status, "
                + "attributes = EXCLUDED.attributes, updated_at = EXCLUDED.updated_at "
                // an older snapshot never overwrites a newer one (a consumer that lost its partition while retrying
                // may apply it late); an equal one is a replay and changes nothing
                + "WHERE rating_customers.updated_at <= EXCLUDED.updated_at")) {
            ps.setString(1, id);
            ps.setString(2, currency);
            ps.setString(3, status);
            ps.setString(4, attributesJson);
            ps.setTimestamp(5, Timestamp.from(at));
            ps.executeUpdate();
        }
    }

    public Optional<Subscription> subscription(Connection c, String customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM rating_subscriptions WHERE customer_id = ?")) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Subscription(rs.getString("customer_id"), rs.getString("subscription_id"), rs.getString("plan_code"),
                        rs.getInt("plan_version"), rs.getString("status"), rs.getTimestamp("period_anchor").toInstant()));
            }
        }
    }

    public void upsertSubscription(Connection c, Subscription s, String snapshotJson, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO rating_subscriptions (customer_id, subscription_id, plan_code, "
                + "plan_version, status, period_anchor, snapshot, updated_at) VALUES (?,?,?,?,?,?,?::jsonb,?) ON CONFLICT (customer_id) "
                + "DO UPDATE SET subscription_id = EXCLUDED.subscription_id, plan_code = EXCLUDED.plan_code, plan_version = EXCLUDED.plan_version, "
                + "status = EXCLUDED.status, period_anchor = EXCLUDED.period_anchor, snapshot = EXCLUDED.snapshot, updated_at = EXCLUDED.updated_at")) {
            ps.setString(1, s.customerId());
            ps.setString(2, s.subscriptionId());
            ps.setString(3, s.planCode());
            ps.setInt(4, s.planVersion());
            ps.setString(5, s.status());
            ps.setTimestamp(6, Timestamp.from(s.periodAnchor()));
            ps.setString(7, snapshotJson);
            ps.setTimestamp(8, Timestamp.from(at));
            ps.executeUpdate();
        }
    }

    /** Remembers the end of the period of the customer's latest billing.spend snapshot (written only when it moves). */
    public void markSpendPeriod(Connection c, String customerId, Instant periodEnd) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE rating_subscriptions SET spend_period_end = ? "
                + "WHERE customer_id = ? AND spend_period_end IS DISTINCT FROM ?")) {
            ps.setTimestamp(1, Timestamp.from(periodEnd));
            ps.setString(2, customerId);
            ps.setTimestamp(3, Timestamp.from(periodEnd));
            ps.executeUpdate();
        }
    }

    /**
     * Claims (row lock, SKIP LOCKED: replicas share the work) one live subscription whose last snapshot's period has
     * ended by {@code now} — or that never had one and has started — skipping {@code skip}; empty when none is left.
     */
    public Optional<String> claimEndedPeriod(Connection c, Instant now, Collection<String> skip) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT customer_id FROM rating_subscriptions WHERE status <> 'canceled' "
                + "AND COALESCE(spend_period_end, period_anchor) <= ? AND customer_id <> ALL (?) "
                + "ORDER BY COALESCE(spend_period_end, period_anchor) LIMIT 1 FOR UPDATE SKIP LOCKED")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setArray(2, c.createArrayOf("text", skip.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    public void appendHistory(Connection c, String customerId, String eventId, HistoryEntry h) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO subscription_history (customer_id, event_id, effective_at, plan_code, "
                + "plan_version, status) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, customerId);
            ps.setString(2, eventId);
            ps.setTimestamp(3, Timestamp.from(h.effectiveAt()));
            ps.setString(4, h.planCode());
            ps.setInt(5, h.planVersion());
            ps.setString(6, h.status());
            ps.executeUpdate();
        }
    }

    public List<HistoryEntry> history(Connection c, String customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT * FROM subscription_history WHERE customer_id = ? ORDER BY effective_at, event_id")) {
            ps.setString(1, customerId);
            List<HistoryEntry> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new HistoryEntry(rs.getTimestamp("effective_at").toInstant(), rs.getString("plan_code"),
                            rs.getInt("plan_version"), rs.getString("status")));
                }
            }
            return out;
        }
    }

    /** Keeps the highest version of each bucket, so a replay or a late redelivery changes nothing. */
    /** {@code value} null: the hour has no events left (corrections voided or moved them all). */
    public void upsertHour(Connection c, String customerId, String meter, Instant windowStart, String groupKey, String env,
                           String aggregation, BigDecimal value, long version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_hours (customer_id, meter, window_start, group_key, env, "
                + "aggregation, value, version) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (customer_id, meter, window_start, group_key, env) "
                + "DO UPDATE SET value = EXCLUDED.value, version = EXCLUDED.version, aggregation = EXCLUDED.aggregation "
                + "WHERE usage_hours.version < EXCLUDED.version")) {
            ps.setString(1, customerId);
            ps.setString(2, meter);
            ps.setTimestamp(3, Timestamp.from(windowStart));
            ps.setString(4, groupKey);
            ps.setString(5, env);
            ps.setString(6, aggregation);
            ps.setBigDecimal(7, value);
            ps.setLong(8, version);
            ps.executeUpdate();
        }
    }

    /** Live usage per meter in [start, end). */
    public Map<String, MeterUsage> usage(Connection c, String customerId, Instant start, Instant end) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT meter, aggregation, window_start, value FROM usage_hours "
                + "WHERE customer_id = ? AND env = 'live' AND window_start >= ? AND window_start < ? AND value IS NOT NULL "
                + "ORDER BY meter, window_start")) {
            ps.setString(1, customerId);
            ps.setTimestamp(2, Timestamp.from(start));
            ps.setTimestamp(3, Timestamp.from(end));
            Map<String, MeterUsage> out = new LinkedHashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String meter = rs.getString(1);
                    out.computeIfAbsent(meter, m -> {
                        try {
                            return new MeterUsage(rs.getString(2), new ArrayList<>());
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    }).hours().add(new UsageTotals.Hour(rs.getTimestamp(3).toInstant(), rs.getBigDecimal(4).stripTrailingZeros()));
                }
            }
            return out;
        }
    }
}
