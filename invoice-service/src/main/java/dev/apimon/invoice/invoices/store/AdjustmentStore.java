package dev.apimon.invoice.invoices.store;

import dev.apimon.invoice.invoices.domain.Adjustment;
import dev.apimon.invoice.invoices.domain.Money;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Corrections waiting for, or taken by, an invoice; callers own the transaction. */
@Singleton
public class AdjustmentStore {

    public void insert(Connection c, Adjustment a) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO invoice_adjustments (id, customer_id, currency, kind, description, "
                + "amount, source_invoice_id, applied_invoice_id, created_at) VALUES (?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, a.id());
            ps.setString(2, a.customerId());
            ps.setString(3, a.currency());
            ps.setString(4, a.kind());
            ps.setString(5, a.description());
            ps.setBigDecimal(6, a.amount());
            ps.setString(7, a.sourceInvoiceId());
            ps.setString(8, a.appliedInvoiceId());
            ps.setTimestamp(9, InvoiceStore.ts(a.createdAt()));
            ps.executeUpdate();
        }
    }

    /** Records an operator's line on a draft; false when this Idempotency-Key was already used for that invoice. */
    public boolean insertManual(Connection c, Adjustment a, String idempotencyKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO invoice_adjustments (id, customer_id, currency, kind, description, "
                + "amount, source_invoice_id, applied_invoice_id, idempotency_key, created_at) VALUES (?,?,?,'manual',?,?,?,?,?,?) "
                + "ON CONFLICT (source_invoice_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING")) {
            ps.setString(1, a.id());
            ps.setString(2, a.customerId());
            ps.setString(3, a.currency());
            ps.setString(4, a.description());
            ps.setBigDecimal(5, a.amount());
            ps.setString(6, a.appliedInvoiceId()); // the draft it was added to
            ps.setString(7, a.appliedInvoiceId());
            ps.setString(8, idempotencyKey);
            ps.setTimestamp(9, InvoiceStore.ts(a.createdAt()));
            return ps.executeUpdate() == 1;
        }
    }

    /** Takes every pending correction of the customer in that currency onto the invoice. */
    public int claimPending(Connection c, String customerId, String currency, String invoiceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE invoice_adjustments SET applied_invoice_id = ? "
                + "WHERE customer_id = ? AND currency = ? AND applied_invoice_id IS NULL")) {
            ps.setString(1, invoiceId);
            ps.setString(2, customerId);
            ps.setString(3, currency);
            return ps.executeUpdate();
        }
    }

    /** A voided invoice gives its corrections back: the next invoice takes them. */
    public void release(Connection c, String invoiceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE invoice_adjustments SET applied_invoice_id = NULL WHERE applied_invoice_id = ?")) {
            ps.setString(1, invoiceId);
            ps.executeUpdate();
        }
    }

    public List<Adjustment> appliedTo(Connection c, String invoiceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM invoice_adjustments WHERE applied_invoice_id = ? ORDER BY created_at, id")) {
            ps.setString(1, invoiceId);
            List<Adjustment> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String cur = rs.getString("currency");
                    out.add(new Adjustment(rs.getString("id"), rs.getString("customer_id"), cur, rs.getString("kind"),
                            rs.getString("description"), InvoiceStore.money(rs, "amount", cur), rs.getString("source_invoice_id"),
                            rs.getString("applied_invoice_id"), InvoiceStore.instant(rs, "created_at")));
                }
            }
            return out;
        }
    }

    /** Late usage already billed for {@code sourceInvoiceId} by invoices other than {@code exceptInvoiceId}. */
    public BigDecimal lateUsageBilled(Connection c, String sourceInvoiceId, String exceptInvoiceId, String currency) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(amount), 0) FROM invoice_adjustments WHERE kind = 'late_usage' "
                + "AND source_invoice_id = ? AND (applied_invoice_id IS NULL OR applied_invoice_id <> ?)")) {
            ps.setString(1, sourceInvoiceId);
            ps.setString(2, exceptInvoiceId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Money.display(rs.getBigDecimal(1), currency);
            }
        }
    }

    /** Drops this invoice's late-usage correction for {@code sourceInvoiceId} (a draft recomputes it). */
    public void dropLateUsage(Connection c, String invoiceId, String sourceInvoiceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM invoice_adjustments WHERE kind = 'late_usage' AND applied_invoice_id = ? "
                + "AND source_invoice_id = ?")) {
            ps.setString(1, invoiceId);
            ps.setString(2, sourceInvoiceId);
            ps.executeUpdate();
        }
    }
}
