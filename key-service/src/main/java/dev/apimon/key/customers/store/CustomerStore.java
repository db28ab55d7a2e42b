package dev.apimon.key.customers.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.key.customers.domain.Customer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jakarta.inject.Singleton;

/** Customers table access; callers own the transaction (the Connection). */
@Singleton
public class CustomerStore {
    private static final TypeReference<Map<String, String>> MAP = new TypeReference<>() {
    };
    private final ObjectMapper json;

    public CustomerStore(ObjectMapper json) {
        this.json = json;
    }

    public void insert(Connection c, Customer cu) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO customers (id, external_id, name, email, currency, "
                + "attributes, status, created_at, updated_at) VALUES (?,?,?,?,?,?::jsonb,?,?,?)")) {
            ps.setString(1, cu.id());
            ps.setString(2, cu.externalId());
            ps.setString(3, cu.name());
            ps.setString(4, cu.email());
            ps.setString(5, cu.currency());
            ps.setString(6, write(cu.attributes()));
            ps.setString(7, cu.status());
            ps.setTimestamp(8, Timestamp.from(cu.createdAt()));
            ps.setTimestamp(9, Timestamp.from(cu.updatedAt()));
            ps.executeUpdate();
        }
    }

    public Optional<Customer> find(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM customers WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** Locks the row: updates and archiving of one customer serialize (FOR UPDATE) against key/subscription changes (FOR SHARE). */
    public Optional<Customer> findLocked(Connection c, String id, boolean exclusive) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM customers WHERE id = ? " + (exclusive ? "FOR UPDATE" : "FOR SHARE"))) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    public boolean externalIdTaken(Connection c, String externalId) throws SQLException {
        return externalIdTakenByOther(c, externalId, null);
    }

    public boolean externalIdTakenByOther(Connection c, String externalId, String customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM customers WHERE external_id = ? AND id <> ?")) {
            ps.setString(1, externalId);
            ps.setString(2, customerId == null ? "" : customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    public void update(Connection c, Customer cu) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE customers SET external_id = ?, name = ?, email = ?, currency = ?, "
                + "attributes = ?::jsonb, updated_at = ? WHERE id = ?")) {
            ps.setString(1, cu.externalId());
            ps.setString(2, cu.name());
            ps.setString(3, cu.email());
            ps.setString(4, cu.currency());
            ps.setString(5, write(cu.attributes()));
            ps.setTimestamp(6, Timestamp.from(cu.updatedAt()));
            ps.setString(7, cu.id());
            ps.executeUpdate();
        }
    }

    public void archive(Connection c, String id, java.time.Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE customers SET status = 'archived', archived_at = ?, updated_at = ? WHERE id = ?")) {
            ps.setTimestamp(1, Timestamp.from(at));
            ps.setTimestamp(2, Timestamp.from(at));
            ps.setString(3, id);
            ps.executeUpdate();
        }
    }

    /** Keyset page ordered by id, after {@code afterId}, optionally filtered by one attribute. */
    public List<Customer> page(Connection c, String afterId, String attrKey, String attrValue, int limit) throws SQLException {
        return page(c, afterId, attrKey, attrValue, null, limit);
    }

    /** Keyset page ordered by id, optionally filtered by one attribute and by status. */
    public List<Customer> page(Connection c, String afterId, String attrKey, String attrValue, String status, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT * FROM customers WHERE id > ?");
        if (attrKey != null) {
            sql.append(" AND attributes @> ?::jsonb");
        }
        if (status != null) {
            sql.append(" AND status = ?");
        }
        sql.append(" ORDER BY id LIMIT ?");
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            ps.setString(i++, afterId == null ? "" : afterId);
            if (attrKey != null) {
                ps.setString(i++, write(Map.of(attrKey, attrValue)));
            }
            if (status != null) {
                ps.setString(i++, status);
            }
            ps.setInt(i, limit);
            List<Customer> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        }
    }

    private Customer map(ResultSet rs) throws SQLException {
        return new Customer(rs.getString("id"), rs.getString("external_id"), rs.getString("name"), rs.getString("email"),
                rs.getString("currency"), read(rs.getString("attributes")), rs.getString("status"),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
    }

    private String write(Map<String, String> m) {
        try {
            return json.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private Map<String, String> read(String s) {
        try {
            return json.readValue(s, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
