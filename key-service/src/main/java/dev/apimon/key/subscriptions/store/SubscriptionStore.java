package dev.apimon.key.subscriptions.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.key.subscriptions.domain.HistoryEntry;
import dev.apimon.key.subscriptions.domain.Period;
import dev.apimon.key.subscriptions.domain.PlanRef;
import dev.apimon.key.subscriptions.domain.ScheduledChange;
import dev.apimon.key.subscriptions.domain.Subscription;
import dev.apimon.key.subscriptions.domain.SubscriptionStatus;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** subscriptions, subscription_history and plan_migrations; callers own the transaction. */
@Singleton
public class SubscriptionStore {
    private final ObjectMapper json;

    public SubscriptionStore(ObjectMapper json) {
        this.json = json;
    }

    public Optional<Subscription> find(Connection c, String customerId, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM subscriptions WHERE customer_id = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** Inserts or replaces the customer's (single) subscription row. */
    public void save(Connection c, Subscription s) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO subscriptions (customer_id, id, plan_code, plan_version, status, "
                + "period_anchor, current_period_start, current_period_end, cancel_at, scheduled_plan_code, scheduled_plan_version, "
                + "scheduled_at, scheduled_reason, changed_at, suspended_at, suspend_reason, canceled_at, restore_plan_code, "
                + "restore_plan_version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                + "ON CONFLICT (customer_id) DO UPDATE SET id = EXCLUDED.id, plan_code = EXCLUDED.plan_code, "
                + "plan_version = EXCLUDED.plan_version, status = EXCLUDED.status, period_anchor = EXCLUDED.period_anchor, "
                + "current_period_start = EXCLUDED.current_period_start, current_period_end = EXCLUDED.current_period_end, "
                + "cancel_at = EXCLUDED.cancel_at, scheduled_plan_code = EXCLUDED.scheduled_plan_code, "
                + "scheduled_plan_version = EXCLUDED.scheduled_plan_version, scheduled_at = EXCLUDED.scheduled_at, "
                + "scheduled_reason = EXCLUDED.scheduled_reason, changed_at = EXCLUDED.changed_at, suspended_at = EXCLUDED.suspended_at, "
                + "suspend_reason = EXCLUDED.suspend_reason, canceled_at = EXCLUDED.canceled_at, "
                + "restore_plan_code = EXCLUDED.restore_plan_code, restore_plan_version = EXCLUDED.restore_plan_version, "
                + "created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at")) {
            int i = 1;
            ps.setString(i++, s.customerId());
            ps.setString(i++, s.id());
            ps.setString(i++, s.plan().code());
            ps.setInt(i++, s.plan().version());
            ps.setString(i++, s.status().wire());
            ps.setTimestamp(i++, ts(s.periodAnchor()));
            ps.setTimestamp(i++, ts(s.currentPeriod().start()));
            ps.setTimestamp(i++, ts(s.currentPeriod().end()));
            ps.setTimestamp(i++, ts(s.cancelAt()));
            ScheduledChange sc = s.scheduledChange();
            ps.setString(i++, sc == null ? null : sc.plan().code());
            setInt(ps, i++, sc == null ? null : sc.plan().version());
            ps.setTimestamp(i++, sc == null ? null : ts(sc.at()));
            ps.setString(i++, sc == null ? null : sc.reason());
            ps.setTimestamp(i++, ts(s.changedAt()));
            ps.setTimestamp(i++, ts(s.suspendedAt()));
            ps.setString(i++, s.suspendReason());
            ps.setTimestamp(i++, ts(s.canceledAt()));
            ps.setString(i++, s.restorePlan() == null ? null : s.restorePlan().code());
            setInt(ps, i++, s.restorePlan() == null ? null : s.restorePlan().version());
            ps.setTimestamp(i++, ts(s.createdAt()));
            ps.setTimestamp(i, ts(s.updatedAt()));
            ps.executeUpdate();
        }
    }

    /** Customers whose subscription has something due (a period end, and with it scheduled changes and cancellations). */
    public List<String> due(Connection c, Instant now, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT customer_id FROM subscriptions WHERE status <> 'canceled' "
                + "AND current_period_end <= ? ORDER BY current_period_end LIMIT ?")) {
            ps.setTimestamp(1, ts(now));
            ps.setInt(2, limit);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    /** Live (not canceled) subscribers of one plan version, keyset-paged by customer id. */
    public List<String> subscribersOf(Connection c, PlanRef plan, String afterCustomerId, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT customer_id FROM subscriptions WHERE plan_code = ? AND plan_version = ? "
                + "AND status <> 'canceled' AND customer_id > ? ORDER BY customer_id LIMIT ?")) {
            ps.setString(1, plan.code());
            ps.setInt(2, plan.version());
            ps.setString(3, afterCustomerId == null ? "" : afterCustomerId);
            ps.setInt(4, limit);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    public void appendHistory(Connection c, String customerId, String subscriptionId, String action, String actor, String ip,
                              Map<String, Object> details, Object snapshot, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO subscription_history (customer_id, subscription_id, action, actor, "
                + "source_ip, details, snapshot, at) VALUES (?,?,?,?,?,?::jsonb,?::jsonb,?)")) {
            ps.setString(1, customerId);
            ps.setString(2, subscriptionId);
            ps.setString(3, action);
            ps.setString(4, actor);
            ps.setString(5, ip);
            ps.setString(6, write(details));
            ps.setString(7, write(snapshot));
            ps.setTimestamp(8, ts(at));
            ps.executeUpdate();
        }
    }

    public List<HistoryEntry> history(Connection c, String customerId, long afterSeq, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT * FROM subscription_history WHERE customer_id = ? AND seq > ? ORDER BY seq LIMIT ?")) {
            ps.setString(1, customerId);
            ps.setLong(2, afterSeq);
            ps.setInt(3, limit);
            List<HistoryEntry> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new HistoryEntry(rs.getLong("seq"), rs.getString("customer_id"), rs.getString("subscription_id"),
                            rs.getString("action"), rs.getString("actor"), rs.getString("source_ip"),
                            read(rs.getString("details"), new TypeReference<Map<String, Object>>() {
                            }),
                            read(rs.getString("snapshot"), new TypeReference<Map<String, Object>>() {
                            }),
                            rs.getTimestamp("at").toInstant()));
                }
            }
            return out;
        }
    }

    public void insertMigration(Connection c, String id, PlanRef from, int toVersion, int scheduled, List<String> skipped, String actor,
                                Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO plan_migrations (id, plan_code, from_version, to_version, scheduled, "
                + "skipped, actor, created_at) VALUES (?,?,?,?,?,?::jsonb,?,?)")) {
            ps.setString(1, id);
            ps.setString(2, from.code());
            ps.setInt(3, from.version());
            ps.setInt(4, toVersion);
            ps.setInt(5, scheduled);
            ps.setString(6, write(skipped));
            ps.setString(7, actor);
            ps.setTimestamp(8, ts(at));
            ps.executeUpdate();
        }
    }

    private Subscription map(ResultSet rs) throws SQLException {
        String scCode = rs.getString("scheduled_plan_code");
        ScheduledChange sc = scCode == null ? null
                : new ScheduledChange(new PlanRef(scCode, rs.getInt("scheduled_plan_version")), instant(rs, "scheduled_at"),
                rs.getString("scheduled_reason"));
        String restoreCode = rs.getString("restore_plan_code");
        return new Subscription(rs.getString("id"), rs.getString("customer_id"),
                new PlanRef(rs.getString("plan_code"), rs.getInt("plan_version")), SubscriptionStatus.fromWire(rs.getString("status")),
                instant(rs, "period_anchor"), new Period(instant(rs, "current_period_start"), instant(rs, "current_period_end")),
                instant(rs, "cancel_at"), sc, instant(rs, "changed_at"), instant(rs, "suspended_at"), rs.getString("suspend_reason"),
                instant(rs, "canceled_at"), restoreCode == null ? null : new PlanRef(restoreCode, rs.getInt("restore_plan_version")),
                instant(rs, "created_at"), instant(rs, "updated_at"));
    }

    private static Instant instant(ResultSet rs, String col) throws SQLException {
        Timestamp t = rs.getTimestamp(col);
        return t == null ? null : t.toInstant();
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static void setInt(PreparedStatement ps, int i, Integer v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.INTEGER);
        } else {
            ps.setInt(i, v);
        }
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private <T> T read(String s, TypeReference<T> type) {
        try {
            return json.readValue(s, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
