package dev.apimon.rating.credits.store;

import dev.apimon.rating.credits.domain.CreditSourceView;
import dev.apimon.rating.credits.domain.LedgerEntry;
import dev.apimon.rating.pricing.CurrencyRounding;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** credit_sources and the append-only credit_ledger; callers own the transaction. */
@Singleton
public class CreditStore {

    public void insertSource(Connection c, CreditSourceView s, String idempotencyKey) throws SQLException {
        insert(c, s, idempotencyKey, null, "");
    }

    /** A plan's grant for the period starting at {@code periodStart}; false when that period's grant exists already. */
    public boolean insertPeriodGrant(Connection c, CreditSourceView s, Instant periodStart) throws SQLException {
        return insert(c, s, null, periodStart, " ON CONFLICT (customer_id, period_start) DO NOTHING") == 1;
    }

    public boolean hasPeriodGrant(Connection c, String customerId, Instant periodStart) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM credit_sources WHERE customer_id = ? AND period_start = ?")) {
            ps.setString(1, customerId);
            ps.setTimestamp(2, Timestamp.from(periodStart));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private int insert(Connection c, CreditSourceView s, String idempotencyKey, Instant periodStart, String onConflict) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO credit_sources (id, customer_id, kind, currency, amount, remaining, "
                + "priority, expires_at, description, idempotency_key, created_at, period_start) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                + onConflict)) {
            ps.setString(1, s.id());
            ps.setString(2, s.customerId());
            ps.setString(3, s.kind());
            ps.setString(4, s.currency());
            ps.setBigDecimal(5, s.amount());
            ps.setBigDecimal(6, s.remaining());
            ps.setInt(7, s.priority());
            ps.setTimestamp(8, s.expiresAt() == null ? null : Timestamp.from(s.expiresAt()));
            ps.setString(9, s.description());
            ps.setString(10, idempotencyKey);
            ps.setTimestamp(11, Timestamp.from(s.createdAt()));
            ps.setTimestamp(12, periodStart == null ? null : Timestamp.from(periodStart));
            return ps.executeUpdate();
        }
    }

    public Optional<CreditSourceView> byIdempotencyKey(Connection c, String customerId, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM credit_sources WHERE customer_id = ? AND idempotency_key = ?")) {
            ps.setString(1, customerId);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** The customer's sources; {@code lock} takes row locks so concurrent burn-downs serialize. */
    public List<CreditSourceView> sources(Connection c, String customerId, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM credit_sources WHERE customer_id = ? ORDER BY created_at, id"
                + (lock ? " FOR UPDATE" : ""))) {
            ps.setString(1, customerId);
            List<CreditSourceView> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        }
    }

    /**
     * The customer's sources as they stood at {@code at}: created by then, with the balance of their last ledger entry
     * at or before it. Later burn-downs (an invoice consuming credits after its period closed) do not change the result,
     * so rating a past period is repeatable.
     */
    public List<CreditSourceView> sourcesAsOf(Connection c, String customerId, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT s.id, s.customer_id, s.kind, s.currency, s.amount, s.priority, "
                + "s.expires_at, s.description, s.created_at, COALESCE((SELECT l.balance_after FROM credit_ledger l "
                + "WHERE l.source_id = s.id AND l.at <= ? ORDER BY l.seq DESC LIMIT 1), 0) AS remaining "
                + "FROM credit_sources s WHERE s.customer_id = ? AND s.created_at <= ? ORDER BY s.created_at, s.id")) {
            ps.setTimestamp(1, Timestamp.from(at));
            ps.setString(2, customerId);
            ps.setTimestamp(3, Timestamp.from(at));
            List<CreditSourceView> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        }
    }

    public void changeRemaining(Connection c, String sourceId, BigDecimal newRemaining) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE credit_sources SET remaining = ? WHERE id = ?")) {
            ps.setBigDecimal(1, newRemaining);
            ps.setString(2, sourceId);
            ps.executeUpdate();
        }
    }

    public void ledger(Connection c, String customerId, String sourceId, BigDecimal delta, BigDecimal balanceAfter, String reason,
                       String reference, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO credit_ledger (customer_id, source_id, delta, balance_after, reason, "
                + "reference, at) VALUES (?,?,?,?,?,?,?)")) {
            ps.setString(1, customerId);
            ps.setString(2, sourceId);
            ps.setBigDecimal(3, delta);
            ps.setBigDecimal(4, balanceAfter);
            ps.setString(5, reason);
            ps.setString(6, reference);
            ps.setTimestamp(7, Timestamp.from(at));
            ps.executeUpdate();
        }
    }

    public List<LedgerEntry> ledgerPage(Connection c, String customerId, long afterSeq, int limit) throws SQLException {
        return ledgerQuery(c, "SELECT l.*, s.currency FROM credit_ledger l JOIN credit_sources s ON s.id = l.source_id "
                + "WHERE l.customer_id = ? AND l.seq > ? ORDER BY l.seq LIMIT ?", customerId, afterSeq, limit);
    }

    /** The ledger rows written for one reference with one reason ("consumed", "reversed"), oldest first. */
    public List<LedgerEntry> entriesFor(Connection c, String customerId, String reason, String reference) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT l.*, s.currency FROM credit_ledger l JOIN credit_sources s ON s.id = l.source_id "
                        + "WHERE l.customer_id = ? AND l.reason = ? AND l.reference = ? ORDER BY l.seq")) {
            ps.setString(1, customerId);
            ps.setString(2, reason);
            ps.setString(3, reference);
            return entries(ps);
        }
    }

    /** One consumption request as recorded (also when it burnt nothing). */
    public record Consumed(String currency, BigDecimal requested, BigDecimal consumed, Instant consumedAt, Instant reversedAt) {
    }

    public Optional<Consumed> consumption(Connection c, String customerId, String reference) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM credit_consumptions WHERE customer_id = ? AND reference = ?")) {
            ps.setString(1, customerId);
            ps.setString(2, reference);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Timestamp reversed = rs.getTimestamp("reversed_at");
                return Optional.of(new Consumed(rs.getString("currency"), rs.getBigDecimal("requested"), rs.getBigDecimal("consumed"),
                        rs.getTimestamp("consumed_at").toInstant(), reversed == null ? null : reversed.toInstant()));
            }
        }
    }

    public void insertConsumption(Connection c, String customerId, String reference, String currency, BigDecimal requested,
                                  BigDecimal consumed, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO credit_consumptions (customer_id, reference, currency, requested, "
                + "consumed, consumed_at) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, customerId);
            ps.setString(2, reference);
            ps.setString(3, currency);
            ps.setBigDecimal(4, requested);
            ps.setBigDecimal(5, consumed);
            ps.setTimestamp(6, Timestamp.from(at));
            ps.executeUpdate();
        }
    }

    /** Claims the reversal of a consumption; false when it was reversed before (the row lock serializes racing reversals). */
    public boolean markReversed(Connection c, String customerId, String reference, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE credit_consumptions SET reversed_at = ? "
                + "WHERE customer_id = ? AND reference = ? AND reversed_at IS NULL")) {
            ps.setTimestamp(1, Timestamp.from(at));
            ps.setString(2, customerId);
            ps.setString(3, reference);
            return ps.executeUpdate() == 1;
        }
    }

    private List<LedgerEntry> ledgerQuery(Connection c, String sql, String customerId, long afterSeq, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, customerId);
            ps.setLong(2, afterSeq);
            ps.setInt(3, limit);
            return entries(ps);
        }
    }

    private static List<LedgerEntry> entries(PreparedStatement ps) throws SQLException {
        List<LedgerEntry> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new LedgerEntry(rs.getLong("seq"), rs.getString("customer_id"), rs.getString("source_id"),
                        CurrencyRounding.display(rs.getBigDecimal("delta"), rs.getString("currency")),
                        CurrencyRounding.display(rs.getBigDecimal("balance_after"), rs.getString("currency")),
                        rs.getString("reason"), rs.getString("reference"), rs.getTimestamp("at").toInstant()));
            }
        }
        return out;
    }

    private static CreditSourceView map(ResultSet rs) throws SQLException {
        Timestamp exp = rs.getTimestamp("expires_at");
        return new CreditSourceView(rs.getString("id"), rs.getString("customer_id"), rs.getString("kind"), rs.getString("currency"),
                CurrencyRounding.display(rs.getBigDecimal("amount"), rs.getString("currency")),
                CurrencyRounding.display(rs.getBigDecimal("remaining"), rs.getString("currency")), rs.getInt("priority"),
                exp == null ? null : exp.toInstant(), rs.getString("description"), rs.getTimestamp("created_at").toInstant());
    }
}
