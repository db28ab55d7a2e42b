package dev.apimon.key.idempotency.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.apimon.platform.problem.ProblemException;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * {@code Idempotency-Key} support for POSTs that create money-relevant state. The key is claimed in the same
 * transaction that creates the resource: a concurrent repeat blocks on the row until the first commits (then
 * replays its result) or rolls back (then runs itself). A repeat with a different body is a 422.
 */
@Singleton
public class IdempotencyStore {
    public static final String HEADER = "Idempotency-Key";
    private final ObjectMapper canonical;

    public IdempotencyStore(ObjectMapper json) {
        this.canonical = json.copy().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    }

    /** One idempotent request: who and what (scope), the client's key, and the hash of its normalized input. */
    public record Request(String scope, String key, String requestHash) {
    }

    /** The stored first result. */
    public record Stored(int status, String body) {
    }

    /** Validates the header and fingerprints the normalized request; null when the client sent no key. */
    public Request request(String scope, String key, Object normalizedInput) {
        if (key == null) {
            return null;
        }
        if (key.isBlank() || key.length() > 255) {
            throw ProblemException.invalid(HEADER, "must be 1 to 255 characters");
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonical.writeValueAsString(normalizedInput).getBytes(StandardCharsets.UTF_8));
            return new Request(scope, key, HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Claims the key; returns the first result when this is a repeat. */
    public Optional<Stored> claim(Connection c, Request r, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO idempotency_keys (scope, idem_key, request_hash, created_at) "
                + "VALUES (?,?,?,?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, r.scope());
            ps.setString(2, r.key());
            ps.setString(3, r.requestHash());
            ps.setTimestamp(4, Timestamp.from(now));
            if (ps.executeUpdate() == 1) {
                return Optional.empty();
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT request_hash, status_code, response FROM idempotency_keys WHERE scope = ? AND idem_key = ?")) {
            ps.setString(1, r.scope());
            ps.setString(2, r.key());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getString("response") == null) {
                    throw ProblemException.conflict("IDEMPOTENCY_KEY_IN_USE", "a request with this Idempotency-Key is still in progress");
                }
                if (!rs.getString("request_hash").equals(r.requestHash())) {
                    throw new ProblemException(422, "IDEMPOTENCY_KEY_REUSED", "Unprocessable request",
                            "this Idempotency-Key was used with a different request body", List.of());
                }
                return Optional.of(new Stored(rs.getInt("status_code"), rs.getString("response")));
            }
        }
    }

    public void complete(Connection c, Request r, int status, Object response) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE idempotency_keys SET status_code = ?, response = ? WHERE scope = ? AND idem_key = ?")) {
            ps.setInt(1, status);
            ps.setString(2, canonical.writeValueAsString(response));
            ps.setString(3, r.scope());
            ps.setString(4, r.key());
            ps.executeUpdate();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Forgets keys older than {@code before} (a repeat after that creates anew). */
    public int purge(Connection c, Instant before) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM idempotency_keys WHERE created_at < ?")) {
            ps.setTimestamp(1, Timestamp.from(before));
            return ps.executeUpdate();
        }
    }
}
