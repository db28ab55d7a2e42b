package dev.apimon.invoice.credits.store;

import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
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

/** The credit reversal outbox: one job per voided invoice, written in the voiding transaction, claimed with a lease. */
@Singleton
public class CreditReversalStore {
    public static final String PENDING = "pending";
    public static final String SUCCEEDED = "succeeded";

    private final AgroalDataSource db;

    public CreditReversalStore(AgroalDataSource db) {
        this.db = db;
    }

    public record Job(String invoiceId, String customerId, String status, int attempts, Instant nextAttemptAt, String lastError,
                      BigDecimal restored) {
    }

    /**
     * Queues the reversal of an invoice's credits, due now. A job that exists is armed again: rating-service reverses
     * once per invoice id, so another attempt is harmless, and it catches credits burnt after an earlier attempt found
     * none (a finalization that raced the void).
     */
    public void enqueue(Connection tx, String invoiceId, String customerId, Instant now) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO credit_reversals (invoice_id, customer_id, status, next_attempt_at, "
                + "created_at, updated_at) VALUES (?,?,'pending',?,?,?) ON CONFLICT (invoice_id) DO UPDATE SET status = 'pending', "
                + "next_attempt_at = EXCLUDED.next_attempt_at, lease_until = NULL, updated_at = EXCLUDED.updated_at")) {
            ps.setString(1, invoiceId);
            ps.setString(2, customerId);
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setTimestamp(4, Timestamp.from(now));
            ps.setTimestamp(5, Timestamp.from(now));
            ps.executeUpdate();
        }
    }

    /** Claims up to {@code limit} due jobs (pending and due, or running with an expired lease); SKIP LOCKED for replicas. */
    public List<Job> claimDue(Instant now, Duration lease, int limit) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE credit_reversals r SET status = 'running', "
                + "lease_until = ?, attempts = r.attempts + 1, updated_at = ? WHERE r.invoice_id IN (SELECT invoice_id FROM credit_reversals "
                + "WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'running' AND lease_until <= ?) "
                + "ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING r.*")) {
            ps.setTimestamp(1, Timestamp.from(now.plus(lease)));
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setTimestamp(4, Timestamp.from(now));
            ps.setInt(5, limit);
            return read(ps);
        }
    }

    public Optional<Job> find(Connection c, String invoiceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM credit_reversals WHERE invoice_id = ?")) {
            ps.setString(1, invoiceId);
            List<Job> jobs = read(ps);
            return jobs.isEmpty() ? Optional.empty() : Optional.of(jobs.get(0));
        }
    }

    /** Done; {@code note} says why when nothing was restored. Only a job still running (not re-armed meanwhile) finishes. */
    public void succeeded(String invoiceId, BigDecimal restored, String note, Instant now) throws SQLException {
        finish(invoiceId, SUCCEEDED, restored, note, now, now);
    }

    public void retryAt(String invoiceId, String error, Instant at, Instant now) throws SQLException {
        finish(invoiceId, PENDING, null, error, at, now);
    }

    private void finish(String invoiceId, String status, BigDecimal restored, String note, Instant next, Instant now) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE credit_reversals SET status = ?, "
                + "restored = COALESCE(?, restored), last_error = ?, next_attempt_at = ?, lease_until = NULL, updated_at = ? "
                + "WHERE invoice_id = ? AND status = 'running'")) {
            ps.setString(1, status);
            ps.setBigDecimal(2, restored);
            ps.setString(3, note);
            ps.setTimestamp(4, Timestamp.from(next));
            ps.setTimestamp(5, Timestamp.from(now));
            ps.setString(6, invoiceId);
            ps.executeUpdate();
        }
    }

    private static List<Job> read(PreparedStatement ps) throws SQLException {
        List<Job> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Job(rs.getString("invoice_id"), rs.getString("customer_id"), rs.getString("status"), rs.getInt("attempts"),
                        rs.getTimestamp("next_attempt_at").toInstant(), rs.getString("last_error"), rs.getBigDecimal("restored")));
            }
        }
        return out;
    }
}
