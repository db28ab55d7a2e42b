package dev.apimon.invoice.invoices.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.invoice.invoices.domain.Invoice;
import dev.apimon.invoice.invoices.domain.InvoiceInputs;
import dev.apimon.invoice.invoices.domain.InvoiceLine;
import dev.apimon.invoice.invoices.domain.InvoiceSummary;
import dev.apimon.invoice.invoices.domain.Money;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
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

/** Invoices and their lines (JDBC). Amounts are read back at the currency's scale ("100.00"). */
@Singleton
public class InvoiceStore {
    private final AgroalDataSource db;
    private final ObjectMapper json;

    public InvoiceStore(AgroalDataSource db, ObjectMapper json) {
        this.db = db;
        this.json = json;
    }

    /** Keyset page by id; {@code customerId} and {@code status} filter when not null; drafts only when asked. */
    public List<InvoiceSummary> page(String customerId, String status, boolean includeDrafts, String afterId, int limit) throws SQLException {
        String sql = "SELECT * FROM invoices WHERE id > ? AND (?::text IS NULL OR customer_id = ?) "
                + "AND (?::text IS NULL OR status = ?) AND (? OR status <> 'draft') ORDER BY id LIMIT ?";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, afterId == null ? "" : afterId);
            ps.setString(2, customerId);
            ps.setString(3, customerId);
            ps.setString(4, status);
            ps.setString(5, status);
            ps.setBoolean(6, includeDrafts);
            ps.setInt(7, limit);
            List<InvoiceSummary> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String cur = rs.getString("currency");
                    out.add(new InvoiceSummary(rs.getString("id"), rs.getString("number"), rs.getString("customer_id"),
                            rs.getString("status"), cur, instant(rs, "period_start"), instant(rs, "period_end"),
                            money(rs, "subtotal", cur), money(rs, "tax", cur), money(rs, "total", cur)));
                }
            }
            return out;
        }
    }

    /** Inserts a draft; false when its (customer, kind, period_start) was already invoiced. */
    public boolean insertDraft(Connection c, Invoice d) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO invoices (id, number, customer_id, status, currency, period_start, "
                + "period_end, subtotal, tax, total, created_at, kind, subscription_id, plan_code, plan_version, finalize_after, updated_at) "
                + "VALUES (?,NULL,?,'draft',?,?,?,0,0,0,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING")) {
            int i = 1;
            ps.setString(i++, d.id());
            ps.setString(i++, d.customerId());
            ps.setString(i++, d.currency());
            ps.setTimestamp(i++, ts(d.periodStart()));
            ps.setTimestamp(i++, ts(d.periodEnd()));
            ps.setTimestamp(i++, ts(d.createdAt()));
            ps.setString(i++, d.kind());
            ps.setString(i++, d.subscriptionId());
            ps.setString(i++, d.planCode());
            if (d.planVersion() == null) {
                ps.setNull(i++, Types.INTEGER);
            } else {
                ps.setInt(i++, d.planVersion());
            }
            ps.setTimestamp(i++, ts(d.finalizeAfter()));
            ps.setTimestamp(i, ts(d.createdAt()));
            return ps.executeUpdate() == 1;
        }
    }

    /** Replaces a draft's lines and amounts (the database refuses this once the invoice is finalized). */
    public void writeDraft(Connection c, String id, List<InvoiceLine> lines, BigDecimal subtotal, BigDecimal tax, BigDecimal total,
                           BigDecimal credits, BigDecimal ratedBasis, InvoiceInputs inputs, boolean replace, Instant now) throws SQLException {
        if (replace) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM invoice_lines WHERE invoice_id = ?")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO invoice_lines (invoice_id, line_no, type, description, meter, quantity, "
                + "amount, period_start, period_end) VALUES (?,?,?,?,?,?,?,?,?)")) {
            int n = 1;
            for (InvoiceLine l : lines) {
                ps.setString(1, id);
                ps.setInt(2, n++);
                ps.setString(3, l.type());
                ps.setString(4, l.description());
                ps.setString(5, l.meter());
                ps.setBigDecimal(6, l.quantity());
                ps.setBigDecimal(7, l.amount());
                ps.setTimestamp(8, ts(l.periodStart()));
                ps.setTimestamp(9, ts(l.periodEnd()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE invoices SET subtotal = ?, tax = ?, total = ?, credits_applied = ?, "
                + "rated_basis = ?, tax_region = ?, tax_rate = ?, inputs = ?::jsonb, updated_at = ? WHERE id = ? AND status = 'draft'")) {
            ps.setBigDecimal(1, subtotal);
            ps.setBigDecimal(2, tax);
            ps.setBigDecimal(3, total);
            ps.setBigDecimal(4, credits);
            ps.setBigDecimal(5, ratedBasis);
            ps.setString(6, inputs.tax() == null ? null : inputs.tax().region());
            ps.setBigDecimal(7, inputs.tax() == null ? null : inputs.tax().rate());
            ps.setString(8, toJson(inputs));
            ps.setTimestamp(9, ts(now));
            ps.setString(10, id);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("invoice " + id + " is no longer a draft");
            }
        }
    }

    /** Finalizes a draft: its number, and finalized or (zero amount) paid. */
    public void finalizeDraft(Connection c, String id, String number, String status, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE invoices SET number = ?, status = ?, finalized_at = ?, "
                + "paid_at = CASE WHEN ? = 'paid' THEN ?::timestamptz ELSE NULL END, updated_at = ? WHERE id = ? AND status = 'draft'")) {
            ps.setString(1, number);
            ps.setString(2, status);
            ps.setTimestamp(3, ts(now));
            ps.setString(4, status);
            ps.setTimestamp(5, ts(now));
            ps.setTimestamp(6, ts(now));
            ps.setString(7, id);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("invoice " + id + " is no longer a draft");
            }
        }
    }

    /** Locks these drafts (skipping any that are no longer drafts), each customer's oldest period first: the header fields only. */
    public List<Invoice> lockDrafts(Connection c, List<String> ids) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id, customer_id, subscription_id, kind, currency, period_start, period_end, "
                + "total FROM invoices WHERE id = ANY (?) AND status = 'draft' ORDER BY customer_id, period_start, kind FOR UPDATE")) {
            ps.setArray(1, c.createArrayOf("text", ids.toArray()));
            List<Invoice> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String cur = rs.getString("currency");
                    out.add(new Invoice(rs.getString("id"), null, rs.getString("customer_id"), rs.getString("subscription_id"),
                            rs.getString("kind"), Invoice.DRAFT, cur, instant(rs, "period_start"), instant(rs, "period_end"), List.of(),
                            null, null, money(rs, "total", cur), null, null, null, null, null, null, null, null, null, null, null, null, null));
                }
            }
            return out;
        }
    }

    /** Finalizes many drafts in one statement: each its number and status (finalized, or paid when zero). */
    public void finalizeDrafts(Connection c, List<String> ids, List<String> numbers, List<String> statuses, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE invoices i SET number = v.number, status = v.status, finalized_at = ?, "
                + "paid_at = CASE WHEN v.status = 'paid' THEN ?::timestamptz ELSE NULL END, updated_at = ? "
                + "FROM unnest(?::text[], ?::text[], ?::text[]) AS v(id, number, status) WHERE i.id = v.id AND i.status = 'draft'")) {
            ps.setTimestamp(1, ts(now));
            ps.setTimestamp(2, ts(now));
            ps.setTimestamp(3, ts(now));
            ps.setArray(4, c.createArrayOf("text", ids.toArray()));
            ps.setArray(5, c.createArrayOf("text", numbers.toArray()));
            ps.setArray(6, c.createArrayOf("text", statuses.toArray()));
            if (ps.executeUpdate() != ids.size()) {
                throw new IllegalStateException("some of the invoices are no longer drafts");
            }
        }
    }

    public void markPaid(Connection c, String id, Instant at) throws SQLException {
        update(c, "UPDATE invoices SET status = 'paid', paid_at = ?, updated_at = ? WHERE id = ?", id, at);
    }

    public void markUncollectible(Connection c, String id, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE invoices SET status = 'uncollectible', updated_at = ? WHERE id = ?")) {
            ps.setTimestamp(1, ts(at));
            ps.setString(2, id);
            ps.executeUpdate();
        }
    }

    public void markVoid(Connection c, String id, String reason, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE invoices SET status = 'void', voided_at = ?, void_reason = ?, updated_at = ? "
                + "WHERE id = ?")) {
            ps.setTimestamp(1, ts(at));
            ps.setString(2, reason);
            ps.setTimestamp(3, ts(at));
            ps.setString(4, id);
            ps.executeUpdate();
        }
    }

    private static void update(Connection c, String sql, String id, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setTimestamp(1, ts(at));
            ps.setTimestamp(2, ts(at));
            ps.setString(3, id);
            ps.executeUpdate();
        }
    }

    public Optional<Invoice> find(String id) throws SQLException {
        try (Connection c = db.getConnection()) {
            return find(c, id, false);
        }
    }

    /** The invoice with its lines; {@code lock} takes the row lock (FOR UPDATE) for a state change. */
    public Optional<Invoice> find(Connection c, String id, boolean lock) throws SQLException {
        Invoice inv;
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM invoices WHERE id = ?" + (lock ? " FOR UPDATE" : ""))) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                inv = map(rs);
            }
        }
        return Optional.of(inv.withLines(lines(c, id, inv.currency())));
    }

    public List<InvoiceLine> lines(Connection c, String id, String currency) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM invoice_lines WHERE invoice_id = ? ORDER BY line_no")) {
            ps.setString(1, id);
            List<InvoiceLine> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    BigDecimal q = rs.getBigDecimal("quantity");
                    out.add(new InvoiceLine(rs.getString("type"), rs.getString("description"), rs.getString("meter"),
                            q == null ? null : strip(q), money(rs, "amount", currency), instant(rs, "period_start"), instant(rs, "period_end")));
                }
            }
            return out;
        }
    }

    /** A draft due for finalization: its id and customer. */
    public record DueDraft(String id, String customerId) {
    }

    /** Drafts whose grace window is over by {@code asOf}, each customer's oldest period first (opening before period). */
    public List<DueDraft> dueDrafts(Connection c, Instant asOf, String customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id, customer_id FROM invoices WHERE status = 'draft' AND finalize_after <= ? "
                + "AND (?::text IS NULL OR customer_id = ?) ORDER BY customer_id, period_start, kind")) {
            ps.setTimestamp(1, ts(asOf));
            ps.setString(2, customerId);
            ps.setString(3, customerId);
            List<DueDraft> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DueDraft(rs.getString(1), rs.getString(2)));
                }
            }
            return out;
        }
    }

    /** The finalized invoice that closed the period ending where {@code periodStart} begins (for late usage). */
    public Optional<Invoice> previousPeriodInvoice(Connection c, String customerId, Instant periodStart) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM invoices WHERE customer_id = ? AND kind = 'period' "
                + "AND period_end = ? AND status IN ('finalized', 'paid', 'uncollectible')")) {
            ps.setString(1, customerId);
            ps.setTimestamp(2, ts(periodStart));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return find(c, rs.getString(1), false);
            }
        }
    }

    /** Whether that period of the customer was already invoiced. */
    public boolean exists(Connection c, String customerId, String kind, Instant periodStart) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM invoices WHERE customer_id = ? AND kind = ? AND period_start = ?")) {
            ps.setString(1, customerId);
            ps.setString(2, kind);
            ps.setTimestamp(3, ts(periodStart));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private Invoice map(ResultSet rs) throws SQLException {
        String cur = rs.getString("currency");
        int pv = rs.getInt("plan_version");
        Integer planVersion = rs.wasNull() ? null : pv;
        BigDecimal rate = rs.getBigDecimal("tax_rate");
        String inputs = rs.getString("inputs");
        return new Invoice(rs.getString("id"), rs.getString("number"), rs.getString("customer_id"), rs.getString("subscription_id"),
                rs.getString("kind"), rs.getString("status"), cur, instant(rs, "period_start"), instant(rs, "period_end"), List.of(),
                money(rs, "subtotal", cur), money(rs, "tax", cur), money(rs, "total", cur), money(rs, "credits_applied", cur),
                money(rs, "rated_basis", cur), rs.getString("tax_region"), rate == null ? null : strip(rate), rs.getString("plan_code"),
                planVersion, inputs == null ? null : fromJson(inputs), instant(rs, "created_at"), instant(rs, "finalize_after"),
                instant(rs, "finalized_at"), instant(rs, "paid_at"), instant(rs, "voided_at"), rs.getString("void_reason"));
    }

    private String toJson(InvoiceInputs inputs) {
        try {
            return json.writeValueAsString(inputs);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("invoice inputs are not serializable", e);
        }
    }

    private InvoiceInputs fromJson(String s) {
        try {
            return json.readValue(s, InvoiceInputs.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored invoice inputs are unreadable", e);
        }
    }

    static BigDecimal strip(BigDecimal q) {
        BigDecimal s = q.stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }

    static BigDecimal money(ResultSet rs, String col, String currency) throws SQLException {
        BigDecimal v = rs.getBigDecimal(col);
        return v == null ? null : Money.display(v, currency);
    }

    static Instant instant(ResultSet rs, String col) throws SQLException {
        Timestamp t = rs.getTimestamp(col);
        return t == null ? null : t.toInstant();
    }

    static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }
}
