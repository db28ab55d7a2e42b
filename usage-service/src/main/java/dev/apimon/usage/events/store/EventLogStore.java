package dev.apimon.usage.events.store;

import dev.apimon.usage.aggregation.domain.LogEvent;
import dev.apimon.usage.ingest.domain.EventKey;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The raw event log: append-only inserts, reads for corrections and audits, and the retention purge. */
@Singleton
public class EventLogStore {
    private static final String APPEND = "INSERT INTO usage_events (customer_id, source, event_id, type, time, env, data, "
            + "corrects_source, corrects_id, ingested_at) "
            + "SELECT c, s, e, t, tm::timestamptz, env, d::jsonb, cs, ci, ia::timestamptz "
            + "FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) "
            + "AS u(c, s, e, t, tm, env, d, cs, ci, ia) "
            + "ON CONFLICT DO NOTHING RETURNING seq, customer_id, source, event_id";

    /** A stored event; {@code correctsSource}/{@code correctsId} are set for corrections. */
    public record Row(long seq, String customerId, String source, String id, String type, Instant time, String env,
                      String data, String correctsSource, String correctsId, Instant ingestedAt) {
    }

    /**
     * Appends the events that are not in the log yet (the primary key is the exactly-once gate) and returns the
     * log sequence of each one appended now; events already present are left out.
     */
    public Map<EventKey, Long> append(Connection c, List<LogEvent> events) throws SQLException {
        Map<EventKey, Long> out = new HashMap<>(events.size() * 2);
        if (events.isEmpty()) {
            return out;
        }
        int n = events.size();
        String[][] cols = new String[10][n];
        for (int i = 0; i < n; i++) {
            LogEvent e = events.get(i);
            cols[0][i] = e.customerId();
            cols[1][i] = e.source();
            cols[2][i] = e.id();
            cols[3][i] = e.type();
            cols[4][i] = e.time().toString();
            cols[5][i] = e.env();
            cols[6][i] = e.dataText();
            cols[7][i] = e.corrects() == null ? null : e.corrects().source();
            cols[8][i] = e.corrects() == null ? null : e.corrects().id();
            cols[9][i] = e.ingestedAt().toString();
        }
        try (PreparedStatement ps = c.prepareStatement(APPEND)) {
            for (int k = 0; k < 10; k++) {
                ps.setArray(k + 1, c.createArrayOf("text", cols[k]));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(new EventKey(rs.getString(2), rs.getString(3), rs.getString(4)), rs.getLong(1));
                }
            }
        }
        return out;
    }

    public Optional<Row> find(Connection c, EventKey key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM usage_events "
                + "WHERE customer_id = ? AND source = ? AND event_id = ?")) {
            ps.setString(1, key.customerId());
            ps.setString(2, key.source());
            ps.setString(3, key.id());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** An original event with the data in effect: that of its latest correction (null data: voided). */
    public record Effective(long seq, Instant time, String originalData, String latestCorrection) {
    }

    /** The events of one type, customer and env in [from, to) — corrections themselves excluded — with their latest correction. */
    public List<Effective> effective(Connection c, String customerId, String env, String type, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT e.seq, e.time, e.data::text, x.data::text FROM usage_events e "
                + "LEFT JOIN LATERAL (SELECT k.data FROM usage_events k WHERE k.customer_id = e.customer_id "
                + "AND k.corrects_source = e.source AND k.corrects_id = e.event_id ORDER BY k.seq DESC LIMIT 1) x ON true "
                + "WHERE e.customer_id = ? AND e.time >= ? AND e.time < ? AND e.env = ? AND e.type = ? AND e.corrects_id IS NULL "
                + "ORDER BY e.seq")) {
            ps.setString(1, customerId);
            ps.setTimestamp(2, Timestamp.from(from));
            ps.setTimestamp(3, Timestamp.from(to));
            ps.setString(4, env);
            ps.setString(5, type);
            List<Effective> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Effective(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4)));
                }
            }
            return out;
        }
    }

    /** A customer's events in [from, to) by time, after the (time, seq) cursor. */
    public List<Row> page(Connection c, String customerId, Instant from, Instant to, Instant afterTime, long afterSeq,
                          int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM usage_events WHERE customer_id = ? "
                + "AND time >= ? AND time < ? AND (time, seq) > (?, ?) ORDER BY time, seq LIMIT ?")) {
            ps.setString(1, customerId);
            ps.setTimestamp(2, Timestamp.from(from));
            ps.setTimestamp(3, Timestamp.from(to));
            ps.setTimestamp(4, Timestamp.from(afterTime));
            ps.setLong(5, afterSeq);
            ps.setInt(6, limit);
            List<Row> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        }
    }

    /** Deletes up to {@code limit} events ingested before {@code before} (the retention purge); returns how many. */
    public int purge(Connection c, Instant before, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM usage_events WHERE ctid = ANY (ARRAY("
                + "SELECT ctid FROM usage_events WHERE ingested_at < ? LIMIT ?))")) {
            ps.setTimestamp(1, Timestamp.from(before));
            ps.setInt(2, limit);
            return ps.executeUpdate();
        }
    }

    private static final String COLUMNS = "seq, customer_id, source, event_id, type, time, env, data::text, corrects_source, "
            + "corrects_id, ingested_at";

    private static Row map(ResultSet rs) throws SQLException {
        return new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getTimestamp(6).toInstant(), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
                rs.getTimestamp(11).toInstant());
    }
}
