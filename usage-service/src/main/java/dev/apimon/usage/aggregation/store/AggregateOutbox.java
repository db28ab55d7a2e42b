package dev.apimon.usage.aggregation.store;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Appends a batch's aggregate deltas to platform-db's {@code outbox} table in ONE statement, in the aggregator's
 * transaction: the same rows {@code Outbox.append} writes one INSERT at a time (which cost ~0.7 ms per changed
 * bucket under load). The platform relay publishes them as binary CloudEvents. Proposed upstream as
 * {@code Outbox.appendAll}.
 */
@Singleton
public class AggregateOutbox {
    /** One outbox row: record key and CloudEvent subject are the customer id. */
    public record Row(String customerId, String payload) {
    }

    public void appendAll(Connection c, String topic, String type, List<Row> rows, Instant now) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        String[] ids = new String[rows.size()];
        String[] keys = new String[rows.size()];
        String[] payloads = new String[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            ids[i] = UUID.randomUUID().toString();
            keys[i] = rows.get(i).customerId();
            payloads[i] = rows.get(i).payload();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbox (event_id, topic, record_key, event_type, subject, payload, "
                + "created_at) SELECT u.id, ?, u.k, ?, u.k, u.p, ? FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY "
                + "AS u(id, k, p, n) ORDER BY u.n")) {
            ps.setString(1, topic);
            ps.setString(2, type);
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setArray(4, c.createArrayOf("text", ids));
            ps.setArray(5, c.createArrayOf("text", keys));
            ps.setArray(6, c.createArrayOf("text", payloads));
            ps.executeUpdate();
        }
    }
}
