package dev.apimon.usage.customers.store;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/** The customers usage-service knows (from customers.events); callers own the transaction. */
@Singleton
public class CustomerStore {

    /**
     * Stores a snapshot unless a newer one is already stored: snapshots can arrive out of order after a
     * rebalance or a replay, and the newest must win.
     */
    public void upsert(Connection c, String id, String externalId, String status, Instant updatedAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO customers (id, external_id, status, updated_at) VALUES (?,?,?,?) "
                + "ON CONFLICT (id) DO UPDATE SET external_id = excluded.external_id, status = excluded.status, "
                + "updated_at = excluded.updated_at WHERE customers.updated_at <= excluded.updated_at")) {
            ps.setString(1, id);
            ps.setString(2, externalId);
            ps.setString(3, status);
            ps.setTimestamp(4, Timestamp.from(updatedAt));
            ps.executeUpdate();
        }
    }

    /** subject -> customer id, for subjects that are a known id or external id (an id match wins). */
    public Map<String, String> resolve(Connection c, Collection<String> subjects) throws SQLException {
        Map<String, String> out = new HashMap<>();
        if (subjects.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, external_id FROM customers WHERE id = ANY (?) OR external_id = ANY (?)")) {
            java.sql.Array arr = c.createArrayOf("text", subjects.toArray());
            ps.setArray(1, arr);
            ps.setArray(2, arr);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    String ext = rs.getString(2);
                    if (subjects.contains(id)) {
                        out.put(id, id);
                    }
                    if (ext != null && subjects.contains(ext)) {
                        out.putIfAbsent(ext, id);
                    }
                }
            }
        }
        return out;
    }
}
