package dev.apimon.key.catalog.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.key.catalog.domain.CatalogPlan;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** catalog_plans: key-service's copy of billing.catalog. Callers own the transaction. */
@Singleton
public class CatalogStore {
    private final ObjectMapper json;

    public CatalogStore(ObjectMapper json) {
        this.json = json;
    }

    /**
     * Idempotent upsert: replaying the topic or redelivering a record leaves the same row. Archived is terminal
     * (a stale "published" record never revives an archived version).
     */
    public void upsert(Connection c, CatalogPlan p, String document, String eventId, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO catalog_plans (code, version, status, name, currency, fee, "
                + "entitlements, document, event_id, updated_at) VALUES (?,?,?,?,?,?,?::jsonb,?::jsonb,?,?) "
                + "ON CONFLICT (code, version) DO UPDATE SET "
                + "status = CASE WHEN catalog_plans.status = 'archived' THEN 'archived' ELSE EXCLUDED.status END, "
                + "name = EXCLUDED.name, currency = EXCLUDED.currency, fee = EXCLUDED.fee, entitlements = EXCLUDED.entitlements, "
                + "document = EXCLUDED.document, event_id = EXCLUDED.event_id, updated_at = EXCLUDED.updated_at")) {
            ps.setString(1, p.code());
            ps.setInt(2, p.version());
            ps.setString(3, p.status());
            ps.setString(4, p.name());
            ps.setString(5, p.currency());
            ps.setBigDecimal(6, p.fee());
            ps.setString(7, write(p.entitlements()));
            ps.setString(8, document);
            ps.setString(9, eventId);
            ps.setTimestamp(10, Timestamp.from(now));
            ps.executeUpdate();
        }
    }

    public Optional<CatalogPlan> find(Connection c, String code, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM catalog_plans WHERE code = ? AND version = ?")) {
            ps.setString(1, code);
            ps.setInt(2, version);
            return one(ps);
        }
    }

    public Optional<CatalogPlan> latestPublished(Connection c, String code) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT * FROM catalog_plans WHERE code = ? AND status = 'published' ORDER BY version DESC LIMIT 1")) {
            ps.setString(1, code);
            return one(ps);
        }
    }

    public boolean knows(Connection c, String code) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM catalog_plans WHERE code = ? LIMIT 1")) {
            ps.setString(1, code);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private Optional<CatalogPlan> one(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(new CatalogPlan(rs.getString("code"), rs.getInt("version"), rs.getString("status"), rs.getString("name"),
                    rs.getString("currency"), rs.getBigDecimal("fee"), read(rs.getString("entitlements"))));
        }
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private List<String> read(String s) {
        try {
            return json.readValue(s, new TypeReference<List<String>>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
