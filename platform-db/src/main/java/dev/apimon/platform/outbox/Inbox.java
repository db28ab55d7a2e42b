package dev.apimon.platform.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The consumer half of exactly-once effects: call {@link #firstDelivery} inside the transaction that applies an
 * event; when it answers false the event was already applied and the caller skips it.
 */
public final class Inbox {
    private Inbox() {
    }

    public static boolean firstDelivery(Connection tx, String consumer, String eventId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO inbox (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, consumer);
            ps.setString(2, eventId);
            return ps.executeUpdate() == 1;
        }
    }
}
