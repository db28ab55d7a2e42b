package dev.apimon.invoice.dunning.store;

import dev.apimon.invoice.dunning.domain.Dunning;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Dunning rows; callers own the transaction. */
@Singleton
public class DunningStore {

    public Optional<Dunning> find(Connection c, String invoiceId, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM dunning WHERE invoice_id = ?" + (lock ? " FOR UPDATE" : ""))) {
            ps.setString(1, invoiceId);
            List<Dunning> l = read(ps);
            return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
        }
    }

    public void save(Connection c, Dunning d) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO dunning (invoice_id, customer_id, status, failures, first_failed_at, "
                + "last_failed_at, next_retry_at, updated_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (invoice_id) DO UPDATE SET "
                + "status = EXCLUDED.status, failures = EXCLUDED.failures, last_failed_at = EXCLUDED.last_failed_at, "
                + "next_retry_at = EXCLUDED.next_retry_at, updated_at = EXCLUDED.updated_at")) {
            ps.setString(1, d.invoiceId());
            ps.setString(2, d.customerId());
            ps.setString(3, d.status());
            ps.setInt(4, d.failures());
            ps.setTimestamp(5, ts(d.firstFailedAt()));
            ps.setTimestamp(6, ts(d.lastFailedAt()));
            ps.setTimestamp(7, ts(d.nextRetryAt()));
            ps.setTimestamp(8, ts(d.updatedAt()));
            ps.executeUpdate();
        }
    }

    /** Retries due by {@code now}, locked for the caller's transaction. */
    public List<Dunning> dueRetries(Connection c, Instant now, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM dunning WHERE status = 'retrying' AND next_retry_at <= ? "
                + "ORDER BY next_retry_at LIMIT ? FOR UPDATE SKIP LOCKED")) {
            ps.setTimestamp(1, ts(now));
            ps.setInt(2, limit);
            return read(ps);
        }
    }

    /** Whether the customer has a delinquent invoice other than {@code exceptInvoiceId}. */
    public boolean otherDelinquent(Connection c, String customerId, String exceptInvoiceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM dunning WHERE customer_id = ? AND status = 'delinquent' "
                + "AND invoice_id <> ? LIMIT 1")) {
            ps.setString(1, customerId);
            ps.setString(2, exceptInvoiceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static List<Dunning> read(PreparedStatement ps) throws SQLException {
        List<Dunning> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Dunning(rs.getString("invoice_id"), rs.getString("customer_id"), rs.getString("status"), rs.getInt("failures"),
                        instant(rs, "first_failed_at"), instant(rs, "last_failed_at"), instant(rs, "next_retry_at"), instant(rs, "updated_at")));
            }
        }
        return out;
    }

    private static Instant instant(ResultSet rs, String col) throws SQLException {
        Timestamp t = rs.getTimestamp(col);
        return t == null ? null : t.toInstant();
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }
}
