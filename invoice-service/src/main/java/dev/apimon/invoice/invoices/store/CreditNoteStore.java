package dev.apimon.invoice.invoices.store;

import dev.apimon.invoice.invoices.domain.CreditNote;
import dev.apimon.invoice.invoices.domain.Money;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

@Singleton
public class CreditNoteStore {

    public void insert(Connection c, CreditNote n, String idempotencyKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO credit_notes (id, number, invoice_id, customer_id, currency, amount, "
                + "reason, idempotency_key, created_at) VALUES (?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, n.id());
            ps.setString(2, n.number());
            ps.setString(3, n.invoiceId());
            ps.setString(4, n.customerId());
            ps.setString(5, n.currency());
            ps.setBigDecimal(6, n.amount());
            ps.setString(7, n.reason());
            ps.setString(8, idempotencyKey);
            ps.setTimestamp(9, InvoiceStore.ts(n.createdAt()));
            ps.executeUpdate();
        }
    }

    public Optional<CreditNote> byIdempotencyKey(Connection c, String invoiceId, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM credit_notes WHERE invoice_id = ? AND idempotency_key = ?")) {
            ps.setString(1, invoiceId);
            ps.setString(2, key);
            List<CreditNote> l = read(ps);
            return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
        }
    }

    public List<CreditNote> forInvoice(Connection c, String invoiceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM credit_notes WHERE invoice_id = ? ORDER BY created_at, id")) {
            ps.setString(1, invoiceId);
            return read(ps);
        }
    }

    public BigDecimal credited(Connection c, String invoiceId) throws SQLException {
        return forInvoice(c, invoiceId).stream().map(CreditNote::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    private static List<CreditNote> read(PreparedStatement ps) throws SQLException {
        List<CreditNote> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String cur = rs.getString("currency");
                out.add(new CreditNote(rs.getString("id"), rs.getString("number"), rs.getString("invoice_id"), rs.getString("customer_id"),
                        cur, Money.display(rs.getBigDecimal("amount"), cur), rs.getString("reason"), InvoiceStore.instant(rs, "created_at")));
            }
        }
        return out;
    }
}
