package dev.apimon.rating.catalog.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.rating.catalog.domain.CatalogEntry;
import dev.apimon.rating.pricing.PlanVersion;
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

/** plan_versions access; callers own the transaction. */
@Singleton
public class CatalogStore {
    private final ObjectMapper json;

    public CatalogStore(ObjectMapper json) {
        this.json = json;
    }

    /** Serializes draft creation per plan code so two drafts never get the same version. */
    public int nextVersion(Connection c, String code) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            lock.setString(1, "plan:" + code);
            lock.execute();
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(version), 0) + 1 FROM plan_versions WHERE code = ?")) {
            ps.setString(1, code);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    public void insert(Connection c, CatalogEntry e) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO plan_versions (code, version, status, document, created_at) "
                + "VALUES (?,?,?,?::jsonb,?)")) {
            ps.setString(1, e.plan().code());
            ps.setInt(2, e.plan().version());
            ps.setString(3, e.status());
            ps.setString(4, write(e.plan()));
            ps.setTimestamp(5, Timestamp.from(e.createdAt()));
            ps.executeUpdate();
        }
    }

    public void updateDocument(Connection c, PlanVersion p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE plan_versions SET document = ?::jsonb WHERE code = ? AND version = ?")) {
            ps.setString(1, write(p));
            ps.setString(2, p.code());
            ps.setInt(3, p.version());
            ps.executeUpdate();
        }
    }

    public void setStatus(Connection c, String code, int version, String status, PlanVersion document, Instant publishedAt)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE plan_versions SET status = ?, document = ?::jsonb, "
                + "published_at = COALESCE(published_at, ?) WHERE code = ? AND version = ?")) {
            ps.setString(1, status);
            ps.setString(2, write(document));
            ps.setTimestamp(3, publishedAt == null ? null : Timestamp.from(publishedAt));
            ps.setString(4, code);
            ps.setInt(5, version);
            ps.executeUpdate();
        }
    }

    public Optional<CatalogEntry> find(Connection c, String code, int version, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM plan_versions WHERE code = ? AND version = ?"
                + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setString(1, code);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    public Optional<CatalogEntry> latestPublished(Connection c, String code) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT * FROM plan_versions WHERE code = ? AND status = 'published' ORDER BY version DESC LIMIT 1")) {
            ps.setString(1, code);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** Keyset page ordered by (code, version); cursor is "code:version". */
    public List<CatalogEntry> page(Connection c, String code, String status, String afterCode, int afterVersion, int limit)
            throws SQLException {
        String sql = "SELECT * FROM plan_versions WHERE (code, version) > (?, ?) AND (?::text IS NULL OR code = ?) "
                + "AND (?::text IS NULL OR status = ?) ORDER BY code, version LIMIT ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, afterCode == null ? "" : afterCode);
            ps.setInt(2, afterVersion);
            ps.setString(3, code);
            ps.setString(4, code);
            ps.setString(5, status);
            ps.setString(6, status);
            ps.setInt(7, limit);
            List<CatalogEntry> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        }
    }

    private CatalogEntry map(ResultSet rs) throws SQLException {
        Timestamp published = rs.getTimestamp("published_at");
        return new CatalogEntry(read(rs.getString("document")), rs.getString("status"), rs.getTimestamp("created_at").toInstant(),
                published == null ? null : published.toInstant());
    }

    private String write(PlanVersion p) {
        try {
            return json.writeValueAsString(p);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private PlanVersion read(String s) {
        try {
            return json.readValue(s, PlanVersion.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
