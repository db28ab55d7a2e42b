package dev.apimon.key.keys.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.key.keys.domain.ApiKey;
import dev.apimon.key.keys.domain.AuditEntry;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** api_keys and key_audit access; callers own the transaction. */
@Singleton
public class KeyStore {
    private final ObjectMapper json;

    public KeyStore(ObjectMapper json) {
        this.json = json;
    }

    public void insert(Connection c, ApiKey k) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_keys (id, customer_id, name, env, key_hash, start, "
                + "scopes, metadata, expires_at, created_at) VALUES (?,?,?,?,?,?,?::jsonb,?::jsonb,?,?)")) {
            ps.setString(1, k.id());
            ps.setString(2, k.customerId());
            ps.setString(3, k.name());
            ps.setString(4, k.env());
            ps.setString(5, k.keyHash());
            ps.setString(6, k.start());
            ps.setString(7, write(k.scopes()));
            ps.setString(8, write(k.metadata()));
            ps.setTimestamp(9, ts(k.expiresAt()));
            ps.setTimestamp(10, ts(k.createdAt()));
            ps.executeUpdate();
        }
    }

    /** Locks the key row so concurrent rotate/revoke of one key serialize. */
    public Optional<ApiKey> findForUpdate(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM api_keys WHERE id = ? FOR UPDATE")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    public Optional<ApiKey> find(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM api_keys WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    public void revoke(Connection c, String id, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
            ps.setTimestamp(1, ts(at));
            ps.setString(2, id);
            ps.executeUpdate();
        }
    }

    public void markRotated(Connection c, String id, String newId, Instant expiresAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET rotated_to = ?, expires_at = ? WHERE id = ?")) {
            ps.setString(1, newId);
            ps.setTimestamp(2, ts(expiresAt));
            ps.setString(3, id);
            ps.executeUpdate();
        }
    }

    public List<ApiKey> forCustomer(Connection c, String customerId, String afterId, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT * FROM api_keys WHERE customer_id = ? AND id > ? ORDER BY id LIMIT ?")) {
            ps.setString(1, customerId);
            ps.setString(2, afterId == null ? "" : afterId);
            ps.setInt(3, limit);
            List<ApiKey> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        }
    }

    public void audit(Connection c, String customerId, String keyId, String action, String actor, String ip,
                      Map<String, Object> details, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO key_audit (customer_id, key_id, action, actor, source_ip, "
                + "details, at) VALUES (?,?,?,?,?,?::jsonb,?)")) {
            ps.setString(1, customerId);
            ps.setString(2, keyId);
            ps.setString(3, action);
            ps.setString(4, actor);
            ps.setString(5, ip);
            ps.setString(6, write(details));
            ps.setTimestamp(7, ts(at));
            ps.executeUpdate();
        }
    }

    public List<AuditEntry> auditPage(Connection c, String customerId, long afterSeq, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT * FROM key_audit WHERE customer_id = ? AND seq > ? ORDER BY seq LIMIT ?")) {
            ps.setString(1, customerId);
            ps.setLong(2, afterSeq);
            ps.setInt(3, limit);
            List<AuditEntry> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new AuditEntry(rs.getLong("seq"), rs.getString("customer_id"), rs.getString("key_id"),
                            rs.getString("action"), rs.getString("actor"), rs.getString("source_ip"),
                            read(rs.getString("details"), new TypeReference<Map<String, Object>>() {
                            }), rs.getTimestamp("at").toInstant()));
                }
            }
            return out;
        }
    }

    private ApiKey map(ResultSet rs) throws SQLException {
        return new ApiKey(rs.getString("id"), rs.getString("customer_id"), rs.getString("name"), rs.getString("env"),
                rs.getString("key_hash"), rs.getString("start"),
                read(rs.getString("scopes"), new TypeReference<List<String>>() {
                }),
                read(rs.getString("metadata"), new TypeReference<Map<String, String>>() {
                }),
                instant(rs.getTimestamp("expires_at")), instant(rs.getTimestamp("revoked_at")), rs.getString("rotated_to"),
                rs.getTimestamp("created_at").toInstant());
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private <T> T read(String s, TypeReference<T> type) {
        try {
            return json.readValue(s, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
