package dev.apimon.invoice.invoices.store;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Gap-free document numbers per year ({@code INV-2026-000123}, {@code CN-2026-000004}). The counter row is locked
 * FOR UPDATE inside the caller's transaction and released at its commit or rollback: concurrent finalizations
 * queue on it, and a rolled-back finalization gives its number back, so no number is skipped or used twice.
 * Call it as late as possible in the transaction: the lock is held until commit.
 */
@Singleton
public class NumberSequence {
    public static final String INVOICE = "INV";
    public static final String CREDIT_NOTE = "CN";

    public String next(Connection tx, String scope, int year) throws SQLException {
        return block(tx, scope, year, 1).get(0);
    }

    /** {@code count} consecutive numbers, one counter bump (one lock) for all of them. */
    public java.util.List<String> block(Connection tx, String scope, int year, int count) throws SQLException {
        Long value = bump(tx, scope, year, count);
        if (value == null) {
            try (PreparedStatement ps = tx.prepareStatement(
                    "INSERT INTO number_counters (scope, year, last_value) VALUES (?, ?, 0) ON CONFLICT DO NOTHING")) {
                ps.setString(1, scope);
                ps.setInt(2, year);
                ps.executeUpdate();
            }
            value = bump(tx, scope, year, count);
        }
        java.util.List<String> out = new java.util.ArrayList<>(count);
        for (long v = value - count + 1; v <= value; v++) {
            out.add(String.format("%s-%d-%06d", scope, year, v));
        }
        return out;
    }

    /** UPDATE takes the row lock (as SELECT ... FOR UPDATE would) and bumps the counter in one round trip. */
    private static Long bump(Connection tx, String scope, int year, int count) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "UPDATE number_counters SET last_value = last_value + ? WHERE scope = ? AND year = ? RETURNING last_value")) {
            ps.setInt(1, count);
            ps.setString(2, scope);
            ps.setInt(3, year);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }
}
