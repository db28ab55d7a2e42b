package dev.apimon.invoice.billingruns.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.invoice.billingruns.domain.BillingRun;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

@Singleton
public class BillingRunStore {
    private final AgroalDataSource db;
    private final ObjectMapper json;

    public BillingRunStore(AgroalDataSource db, ObjectMapper json) {
        this.db = db;
        this.json = json;
    }

    /** Records a run as started; false if a run with this idempotency key exists. */
    public boolean start(BillingRun r, String idempotencyKey) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO billing_runs (id, as_of, customer_id, "
                + "trigger, idempotency_key, started_at) VALUES (?,?,?,?,?,?) ON CONFLICT (idempotency_key) DO NOTHING")) {
            ps.setString(1, r.id());
            ps.setTimestamp(2, Timestamp.from(r.asOf()));
            ps.setString(3, r.customerId());
            ps.setString(4, r.trigger());
            ps.setString(5, idempotencyKey);
            ps.setTimestamp(6, Timestamp.from(r.startedAt()));
            return ps.executeUpdate() == 1;
        }
    }

    public void finish(BillingRun r) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE billing_runs SET finished_at = ?, opened = ?, "
                + "drafted = ?, finalized = ?, errors = ?::jsonb WHERE id = ?")) {
            ps.setTimestamp(1, Timestamp.from(r.finishedAt()));
            ps.setInt(2, r.opened());
            ps.setInt(3, r.drafted());
            ps.setInt(4, r.finalized());
            ps.setString(5, json.writeValueAsString(r.errors()));
            ps.setString(6, r.id());
            ps.executeUpdate();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public Optional<BillingRun> find(String id) throws SQLException {
        return one("SELECT * FROM billing_runs WHERE id = ?", id);
    }

    public Optional<BillingRun> byIdempotencyKey(String key) throws SQLException {
        return one("SELECT * FROM billing_runs WHERE idempotency_key = ?", key);
    }

    private Optional<BillingRun> one(String sql, String arg) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Timestamp fin = rs.getTimestamp("finished_at");
                List<BillingRun.Failure> errors = json.readValue(rs.getString("errors"), new TypeReference<>() {
                });
                return Optional.of(new BillingRun(rs.getString("id"), rs.getTimestamp("as_of").toInstant(), rs.getString("customer_id"),
                        rs.getString("trigger"), rs.getTimestamp("started_at").toInstant(), fin == null ? null : fin.toInstant(),
                        rs.getInt("opened"), rs.getInt("drafted"), rs.getInt("finalized"), errors));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

}
