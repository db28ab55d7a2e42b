package dev.apimon.platform.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.UUID;

/** Appends events to the outbox inside the caller's transaction (same Connection as the state change). */
@Singleton
public class Outbox {
    private final ObjectMapper json;
    private final Clock clock;
    private final OutboxRelay relay;

    public Outbox(ObjectMapper json, Clock clock, OutboxRelay relay) {
        this.json = json;
        this.clock = clock;
        this.relay = relay;
    }

    public OutboxEvent append(Connection tx, String topic, String key, String type, String subject, Object payload)
            throws SQLException {
        String body;
        try {
            body = json.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event payload is not serializable", e);
        }
        java.time.Instant now = clock.instant();
        OutboxEvent event = new OutboxEvent(UUID.randomUUID().toString(), topic, key, type, subject, body, now);
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO outbox (event_id, topic, record_key, event_type, subject, payload, created_at) VALUES (?,?,?,?,?,?,?)")) {
            ps.setString(1, event.eventId());
            ps.setString(2, topic);
            ps.setString(3, key);
            ps.setString(4, type);
            ps.setString(5, subject);
            ps.setString(6, body);
            ps.setTimestamp(7, Timestamp.from(now));
            ps.executeUpdate();
        }
        return event;
    }

    /** Asks the relay to publish soon instead of at its next poll (call after commit). */
    public void flushSoon() {
        relay.wakeUp();
    }
}
