package dev.apimon.invoice.subscriptions.store;

import dev.apimon.invoice.subscriptions.domain.Subscription;
import dev.apimon.invoice.subscriptions.domain.Subscription.PlanChange;
import dev.apimon.invoice.subscriptions.domain.Subscription.PlanRef;
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
import java.util.Optional;

/** Subscriptions as key-service publishes them, with invoice-service's billing progress; callers own the transaction. */
@Singleton
public class SubscriptionStore {

    /** A snapshot from subscriptions.events. */
    public record Snapshot(String subscriptionId, String customerId, PlanRef plan, String status, Instant periodAnchor,
                           Instant currentPeriodStart, Instant currentPeriodEnd, boolean cancelAtPeriodEnd, PlanRef scheduledPlan,
                           Instant scheduledAt, Instant changedAt) {
    }

    /** Upserts the latest snapshot; billing progress is kept, but the next due date is evaluated again. */
    public void upsert(Connection c, Snapshot s, String json, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO subscriptions (subscription_id, customer_id, plan_code, plan_version, "
                + "status, period_anchor, current_period_start, current_period_end, cancel_at_period_end, scheduled_plan_code, "
                + "scheduled_plan_version, scheduled_at, changed_at, snapshot, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?::jsonb,?) "
                + "ON CONFLICT (subscription_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, plan_code = EXCLUDED.plan_code, "
                + "plan_version = EXCLUDED.plan_version, status = EXCLUDED.status, period_anchor = EXCLUDED.period_anchor, "
                + "current_period_start = EXCLUDED.current_period_start, current_period_end = EXCLUDED.current_period_end, "
                + "cancel_at_period_end = EXCLUDED.cancel_at_period_end, scheduled_plan_code = EXCLUDED.scheduled_plan_code, "
                + "scheduled_plan_version = EXCLUDED.scheduled_plan_version, scheduled_at = EXCLUDED.scheduled_at, "
                + "changed_at = EXCLUDED.changed_at, snapshot = EXCLUDED.snapshot, updated_at = EXCLUDED.updated_at, "
                + "next_close_at = NULL, finished = FALSE")) {
            int i = 1;
            ps.setString(i++, s.subscriptionId());
            ps.setString(i++, s.customerId());
            ps.setString(i++, s.plan().code());
            ps.setInt(i++, s.plan().version());
            ps.setString(i++, s.status());
            ps.setTimestamp(i++, ts(s.periodAnchor()));
            ps.setTimestamp(i++, ts(s.currentPeriodStart()));
            ps.setTimestamp(i++, ts(s.currentPeriodEnd()));
            ps.setBoolean(i++, s.cancelAtPeriodEnd());
            ps.setString(i++, s.scheduledPlan() == null ? null : s.scheduledPlan().code());
            if (s.scheduledPlan() == null) {
                ps.setNull(i++, Types.INTEGER);
            } else {
                ps.setInt(i++, s.scheduledPlan().version());
            }
            ps.setTimestamp(i++, ts(s.scheduledAt()));
            ps.setTimestamp(i++, ts(s.changedAt()));
            ps.setString(i++, json);
            ps.setTimestamp(i, ts(at));
            ps.executeUpdate();
        }
    }

    public List<PlanChange> history(Connection c, String subscriptionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT effective_at, plan_code, plan_version FROM subscription_plan_history "
                + "WHERE subscription_id = ? ORDER BY effective_at, event_id")) {
            ps.setString(1, subscriptionId);
            List<PlanChange> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new PlanChange(rs.getTimestamp(1).toInstant(), new PlanRef(rs.getString(2), rs.getInt(3))));
                }
            }
            return out;
        }
    }

    public void appendHistory(Connection c, String subscriptionId, String eventId, PlanChange change) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO subscription_plan_history (subscription_id, event_id, effective_at, "
                + "plan_code, plan_version) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, subscriptionId);
            ps.setString(2, eventId);
            ps.setTimestamp(3, ts(change.effectiveAt()));
            ps.setString(4, change.plan().code());
            ps.setInt(5, change.plan().version());
            ps.executeUpdate();
        }
    }

    public Optional<Subscription> find(Connection c, String subscriptionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM subscriptions WHERE subscription_id = ?")) {
            ps.setString(1, subscriptionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(c, rs)) : Optional.empty();
            }
        }
    }

    /** Ids of subscriptions with something due by {@code asOf}: an opening invoice or a period end. */
    public List<String> due(Connection c, Instant asOf, String customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT subscription_id FROM subscriptions WHERE NOT finished "
                + "AND period_anchor <= ? AND (next_close_at IS NULL OR next_close_at <= ?) AND (?::text IS NULL OR customer_id = ?) "
                + "ORDER BY subscription_id")) {
            ps.setTimestamp(1, ts(asOf));
            ps.setTimestamp(2, ts(asOf));
            ps.setString(3, customerId);
            ps.setString(4, customerId);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    public boolean hasAny(Connection c, String customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM subscriptions WHERE customer_id = ? LIMIT 1")) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    public void progress(Connection c, String subscriptionId, boolean opened, Instant billedThrough, Instant nextCloseAt, boolean finished)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE subscriptions SET opened = ?, billed_through = ?, next_close_at = ?, "
                + "finished = ? WHERE subscription_id = ?")) {
            ps.setBoolean(1, opened);
            ps.setTimestamp(2, ts(billedThrough));
            ps.setTimestamp(3, ts(nextCloseAt));
            ps.setBoolean(4, finished);
            ps.setString(5, subscriptionId);
            ps.executeUpdate();
        }
    }

    private Subscription map(Connection c, ResultSet rs) throws SQLException {
        String id = rs.getString("subscription_id");
        String sc = rs.getString("scheduled_plan_code");
        return new Subscription(id, rs.getString("customer_id"), new PlanRef(rs.getString("plan_code"), rs.getInt("plan_version")),
                rs.getString("status"), instant(rs, "period_anchor"), instant(rs, "current_period_start"), instant(rs, "current_period_end"),
                rs.getBoolean("cancel_at_period_end"), sc == null ? null : new PlanRef(sc, rs.getInt("scheduled_plan_version")),
                instant(rs, "scheduled_at"), instant(rs, "changed_at"), instant(rs, "updated_at"), rs.getBoolean("opened"),
                instant(rs, "billed_through"), instant(rs, "next_close_at"), rs.getBoolean("finished"), history(c, id));
    }

    static Instant instant(ResultSet rs, String col) throws SQLException {
        Timestamp t = rs.getTimestamp(col);
        return t == null ? null : t.toInstant();
    }

    static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }
}
