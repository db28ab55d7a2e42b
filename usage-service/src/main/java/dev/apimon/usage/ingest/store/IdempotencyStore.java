package dev.apimon.usage.ingest.store;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/**
 * First answers of ingest requests that carried an {@code Idempotency-Key}. The key row is inserted at the
 * start of the request's transaction, so a concurrent repeat waits for the first to finish and then reads its
 * answer; a failed first request (rolled back) leaves no row and its repeat runs normally.
 */
@Singleton
public class IdempotencyStore {
    public record Stored(String requestHash, String response) {
    }

    /** Reserves the key; empty if reserved now, else the stored first answer. */
    public Optional<Stored> reserve(Connection c, String principal, String key, String requestHash, Instant now) throws SQLException {
        while (true) { // the purge may remove the conflicting row between the two statements: then reserve again
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO ingest_requests (principal, idempotency_key, request_hash, "
                    + "response, created_at) VALUES (?,?,?,'',?) ON CONFLICT DO NOTHING")) {
                ps.setString(1, principal);
                ps.setString(2, key);
                ps.setString(3, requestHash);
                ps.setTimestamp(4, Timestamp.from(now));
                if (ps.executeUpdate() == 1) {
                    return Optional.empty();
                }
            }
            Optional<Stored> first = find(c, principal, key);
            if (first.isPresent()) {
                return first;
            }
        }
    }

    /** The stored answer of a key whose first request committed, if any (a request in flight is not visible). */
    public Optional<Stored> find(Connection c, String principal, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT request_hash, response FROM ingest_requests WHERE principal = ? AND idempotency_key = ?")) {
            ps.setString(1, principal);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Stored(rs.getString(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    public void complete(Connection c, String principal, String key, String response) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE ingest_requests SET response = ? WHERE principal = ? AND idempotency_key = ?")) {
            ps.setString(1, response);
            ps.setString(2, principal);
            ps.setString(3, key);
            ps.executeUpdate();
        }
    }

    public int purge(Connection c, Instant before) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM ingest_requests WHERE created_at < ?")) {
            ps.setTimestamp(1, Timestamp.from(before));
            return ps.executeUpdate();
        }
    }
}
