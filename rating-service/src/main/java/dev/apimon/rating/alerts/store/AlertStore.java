package dev.apimon.rating.alerts.store;

import dev.apimon.rating.alerts.domain.AlertSettings;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Alert settings, the sent-alert log and the credit facts alerts need; callers own the transaction. */
@Singleton
public class AlertStore {

    public record StoredSettings(AlertSettings settings, Instant updatedAt) {
    }

    public record StoredAlert(long seq, String eventType, String payload) {
    }

    public record CreditFacts(boolean hasCredits, BigDecimal granted) {
    }

    public Optional<StoredSettings> settings(Connection c, String customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM spend_alert_settings WHERE customer_id = ?")) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Integer[] percentages = (Integer[]) rs.getArray("percentages").getArray();
                return Optional.of(new StoredSettings(new AlertSettings(rs.getBigDecimal("budget"), Arrays.asList(percentages),
                        rs.getBigDecimal("spend_cap"), rs.getBigDecimal("credits_low_below")), rs.getTimestamp("updated_at").toInstant()));
            }
        }
    }

    public void putSettings(Connection c, String customerId, AlertSettings s, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO spend_alert_settings (customer_id, budget, percentages, spend_cap, "
                + "credits_low_below, updated_at) VALUES (?,?,?,?,?,?) ON CONFLICT (customer_id) DO UPDATE SET budget = EXCLUDED.budget, "
                + "percentages = EXCLUDED.percentages, spend_cap = EXCLUDED.spend_cap, credits_low_below = EXCLUDED.credits_low_below, "
                + "updated_at = EXCLUDED.updated_at")) {
            Array percentages = c.createArrayOf("integer", s.percentages().toArray());
            ps.setString(1, customerId);
            ps.setBigDecimal(2, s.budget());
            ps.setArray(3, percentages);
            ps.setBigDecimal(4, s.spendCap());
            ps.setBigDecimal(5, s.creditsLowBelow());
            ps.setTimestamp(6, Timestamp.from(at));
            ps.executeUpdate();
        }
    }

    /** Whether the customer had any credit in the currency by {@code at}, and the original amount of those still valid then. */
    public CreditFacts creditFacts(Connection c, String customerId, String currency, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*), COALESCE(sum(amount) FILTER (WHERE expires_at IS NULL "
                + "OR expires_at > ?), 0) FROM credit_sources WHERE customer_id = ? AND currency = ? AND created_at <= ?")) {
            ps.setTimestamp(1, Timestamp.from(at));
            ps.setString(2, customerId);
            ps.setString(3, currency);
            ps.setTimestamp(4, Timestamp.from(at));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new CreditFacts(rs.getLong(1) > 0, rs.getBigDecimal(2));
            }
        }
    }

    /** Records an alert; false when this threshold already fired for the customer in this period. */
    public boolean record(Connection c, String customerId, Instant periodStart, String kind, String threshold, String eventType,
                          String payload, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO spend_alerts (customer_id, period_start, kind, threshold, "
                + "event_type, payload, at) VALUES (?,?,?,?,?,?::jsonb,?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, customerId);
            ps.setTimestamp(2, Timestamp.from(periodStart));
            ps.setString(3, kind);
            ps.setString(4, threshold);
            ps.setString(5, eventType);
            ps.setString(6, payload);
            ps.setTimestamp(7, Timestamp.from(at));
            return ps.executeUpdate() == 1;
        }
    }

    /** Newest first; {@code beforeSeq} is the cursor (Long.MAX_VALUE for the first page). */
    public List<StoredAlert> page(Connection c, String customerId, long beforeSeq, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, event_type, payload::text FROM spend_alerts WHERE customer_id = ? "
                + "AND seq < ? ORDER BY seq DESC LIMIT ?")) {
            ps.setString(1, customerId);
            ps.setLong(2, beforeSeq);
            ps.setInt(3, limit);
            List<StoredAlert> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoredAlert(rs.getLong(1), rs.getString(2), rs.getString(3)));
                }
            }
            return out;
        }
    }
}
