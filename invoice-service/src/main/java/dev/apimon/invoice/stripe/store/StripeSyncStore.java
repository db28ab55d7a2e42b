package dev.apimon.invoice.stripe.store;

import dev.apimon.invoice.stripe.domain.SyncJob;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The Stripe sync outbox: jobs are written in the transaction that makes them necessary, and claimed with a lease. */
@Singleton
public class StripeSyncStore {
    private final AgroalDataSource db;

    public StripeSyncStore(AgroalDataSource db) {
        this.db = db;
    }

    /** Adds a job (no-op if that invoice already has that action). */
    public void enqueue(Connection tx, String invoiceId, String action, String status, String note, Instant now) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO stripe_sync (invoice_id, action, status, next_attempt_at, last_error, "
                + "created_at, updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, invoiceId);
            ps.setString(2, action);
            ps.setString(3, status);
            ps.setTimestamp(4, Timestamp.from(now));
            ps.setString(5, note);
            ps.setTimestamp(6, Timestamp.from(now));
            ps.setTimestamp(7, Timestamp.from(now));
            ps.executeUpdate();
        }
    }

    /** Adds many jobs in one round trip (no-op for those that exist). */
    public void enqueueAll(Connection tx, List<String> invoiceIds, String action, String status, String note, Instant now) throws SQLException {
        if (invoiceIds.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO stripe_sync (invoice_id, action, status, next_attempt_at, last_error, "
                + "created_at, updated_at) SELECT id, ?, ?, ?, ?, ?, ? FROM unnest(?::text[]) AS id ON CONFLICT DO NOTHING")) {
            ps.setString(1, action);
            ps.setString(2, status);
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setString(4, note);
            ps.setTimestamp(5, Timestamp.from(now));
            ps.setTimestamp(6, Timestamp.from(now));
            ps.setArray(7, tx.createArrayOf("text", invoiceIds.toArray()));
            ps.executeUpdate();
        }
    }

    /** Claims up to {@code limit} due jobs (pending and due, or running with an expired lease) for this worker. */
    public List<SyncJob> claimDue(Instant now, Duration lease, int limit) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE stripe_sync s SET status = 'running', "
                + "lease_until = ?, attempts = s.attempts + 1, last_attempt_at = ?, updated_at = ? FROM (SELECT invoice_id, action FROM stripe_sync "
                + "WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'running' AND lease_until <= ?) "
                + "ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED) due "
                + "WHERE s.invoice_id = due.invoice_id AND s.action = due.action RETURNING s.*")) {
            ps.setTimestamp(1, Timestamp.from(now.plus(lease)));
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setTimestamp(4, Timestamp.from(now));
            ps.setTimestamp(5, Timestamp.from(now));
            ps.setInt(6, limit);
            return read(ps);
        }
    }

    public Optional<SyncJob> find(Connection c, String invoiceId, String action, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM stripe_sync WHERE invoice_id = ? AND action = ?" + (lock ? " FOR UPDATE" : ""))) {
            ps.setString(1, invoiceId);
            ps.setString(2, action);
            List<SyncJob> l = read(ps);
            return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
        }
    }

    public List<SyncJob> forInvoice(Connection c, String invoiceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM stripe_sync WHERE invoice_id = ? ORDER BY created_at, action")) {
            ps.setString(1, invoiceId);
            return read(ps);
        }
    }

    public List<SyncJob> page(String status, String afterInvoiceId, int limit) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT * FROM stripe_sync WHERE "
                + "(?::text IS NULL OR status = ?) AND invoice_id || '/' || action > ? ORDER BY invoice_id || '/' || action LIMIT ?")) {
            ps.setString(1, status);
            ps.setString(2, status);
            ps.setString(3, afterInvoiceId == null ? "" : afterInvoiceId);
            ps.setInt(4, limit);
            return read(ps);
        }
    }

    /** The invoice a Stripe invoice id belongs to (webhooks without our metadata). */
    public Optional<String> invoiceOfStripe(Connection c, String stripeInvoiceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT invoice_id FROM stripe_sync WHERE stripe_invoice_id = ? AND action = 'push'")) {
            ps.setString(1, stripeInvoiceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    public void recordCustomer(String invoiceId, String action, String stripeCustomerId, Instant now) throws SQLException {
        exec("UPDATE stripe_sync SET stripe_customer_id = ?, updated_at = ? WHERE invoice_id = ? AND action = ?", stripeCustomerId, now, invoiceId, action);
    }

    public void recordInvoice(String invoiceId, String action, String stripeInvoiceId, Instant now) throws SQLException {
        exec("UPDATE stripe_sync SET stripe_invoice_id = ?, updated_at = ? WHERE invoice_id = ? AND action = ?", stripeInvoiceId, now, invoiceId, action);
    }

    public void recordItems(String invoiceId, String action, int itemsSynced, Instant now) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE stripe_sync SET items_synced = ?, updated_at = ? WHERE invoice_id = ? AND action = ?")) {
            ps.setInt(1, itemsSynced);
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setString(3, invoiceId);
            ps.setString(4, action);
            ps.executeUpdate();
        }
    }

    public void succeeded(String invoiceId, String action, Instant now) throws SQLException {
        finish(invoiceId, action, SyncJob.SUCCEEDED, null, now, now);
    }

    public void retryAt(String invoiceId, String action, String error, Instant at, Instant now) throws SQLException {
        finish(invoiceId, action, SyncJob.PENDING, error, at, now);
    }

    public void failed(String invoiceId, String action, String error, Instant now) throws SQLException {
        finish(invoiceId, action, SyncJob.FAILED, error, now, now);
    }

    /** Admin retry: due now, attempts counted afresh (the last error stays visible until the next attempt). */
    public boolean retryNow(Connection c, String invoiceId, String action, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE stripe_sync SET status = 'pending', attempts = 0, next_attempt_at = ?, "
                + "lease_until = NULL, updated_at = ? WHERE invoice_id = ? AND action = ? AND status IN ('failed', 'pending', 'disabled')")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setString(3, invoiceId);
            ps.setString(4, action);
            return ps.executeUpdate() == 1;
        }
    }

    public void cancel(Connection c, String invoiceId, String action, String note, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE stripe_sync SET status = 'canceled', last_error = ?, updated_at = ? "
                + "WHERE invoice_id = ? AND action = ? AND status IN ('pending', 'failed', 'disabled')")) {
            ps.setString(1, note);
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setString(3, invoiceId);
            ps.setString(4, action);
            ps.executeUpdate();
        }
    }

    private void finish(String invoiceId, String action, String status, String error, Instant next, Instant now) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE stripe_sync SET status = ?, last_error = ?, "
                + "next_attempt_at = ?, lease_until = NULL, updated_at = ? WHERE invoice_id = ? AND action = ? AND status = 'running'")) {
            ps.setString(1, status);
            ps.setString(2, error);
            ps.setTimestamp(3, Timestamp.from(next));
            ps.setTimestamp(4, Timestamp.from(now));
            ps.setString(5, invoiceId);
            ps.setString(6, action);
            ps.executeUpdate();
        }
    }

    private void exec(String sql, String value, Instant now, String invoiceId, String action) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, value);
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setString(3, invoiceId);
            ps.setString(4, action);
            ps.executeUpdate();
        }
    }

    private static List<SyncJob> read(PreparedStatement ps) throws SQLException {
        List<SyncJob> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new SyncJob(rs.getString("invoice_id"), rs.getString("action"), rs.getString("status"), rs.getInt("attempts"),
                        ts(rs, "next_attempt_at"), ts(rs, "last_attempt_at"), rs.getString("last_error"), rs.getString("stripe_customer_id"),
                        rs.getString("stripe_invoice_id"), rs.getInt("items_synced"), ts(rs, "created_at"), ts(rs, "updated_at")));
            }
        }
        return out;
    }

    private static Instant ts(ResultSet rs, String col) throws SQLException {
        Timestamp t = rs.getTimestamp(col);
        return t == null ? null : t.toInstant();
    }
}
