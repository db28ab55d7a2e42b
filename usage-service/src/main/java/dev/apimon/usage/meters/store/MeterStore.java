package dev.apimon.usage.meters.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.usage.meters.domain.JsonPath;
import dev.apimon.usage.meters.domain.Meter;
import dev.apimon.usage.meters.domain.MeterDefinitions;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Meters table access; callers own the transaction (the Connection). */
@Singleton
public class MeterStore {
    private static final TypeReference<LinkedHashMap<String, String>> MAP = new TypeReference<>() {
    };
    private static final String COLUMNS = "slug, event_type, aggregation, value_property, group_by::text, filter::text, created_at, updated_at, "
            + "created_seq";
    private final ObjectMapper json;

    public MeterStore(ObjectMapper json) {
        this.json = json;
    }

    /** Inserts unless the slug exists; false when it does. */
    public boolean insert(Connection c, Meter m) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO meters (slug, event_type, aggregation, value_property, "
                + "group_by, filter, created_at, updated_at, created_seq) VALUES (?,?,?,?,?::jsonb,?::jsonb,?,?, "
                + "COALESCE(pg_sequence_last_value(pg_get_serial_sequence('usage_events', 'seq')), 0)) ON CONFLICT (slug) DO NOTHING")) {
            bind(ps, m);
            return ps.executeUpdate() == 1;
        }
    }

    public void update(Connection c, Meter m) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE meters SET event_type = ?, aggregation = ?, value_property = ?, "
                + "group_by = ?::jsonb, filter = ?::jsonb, updated_at = ? WHERE slug = ?")) {
            ps.setString(1, m.eventType());
            ps.setString(2, m.aggregation().wire());
            ps.setString(3, m.valueProperty() == null ? null : m.valueProperty().toString());
            ps.setString(4, write(groupByText(m)));
            ps.setString(5, m.filterJson().toString());
            ps.setTimestamp(6, Timestamp.from(m.updatedAt()));
            ps.setString(7, m.slug());
            ps.executeUpdate();
        }
    }

    private void bind(PreparedStatement ps, Meter m) throws SQLException {
        ps.setString(1, m.slug());
        ps.setString(2, m.eventType());
        ps.setString(3, m.aggregation().wire());
        ps.setString(4, m.valueProperty() == null ? null : m.valueProperty().toString());
        ps.setString(5, write(groupByText(m)));
        ps.setString(6, m.filterJson().toString());
        ps.setTimestamp(7, Timestamp.from(m.createdAt()));
        ps.setTimestamp(8, Timestamp.from(m.updatedAt()));
    }

    /** The meter, locked against concurrent changes when {@code forUpdate}. */
    public Optional<Meter> find(Connection c, String slug, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM meters WHERE slug = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setString(1, slug);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** Keyset page by slug. */
    public List<Meter> page(Connection c, String afterSlug, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM meters WHERE slug > ? ORDER BY slug LIMIT ?")) {
            ps.setString(1, afterSlug == null ? "" : afterSlug);
            ps.setInt(2, limit);
            return list(ps);
        }
    }

    /** An arbitrary constant: the advisory lock that orders meter changes against aggregator transactions. */
    private static final long DEFINITIONS_LOCK = 0x7573616765L; // "usage"

    /**
     * Every meter. With {@code shareLock} the caller's transaction holds the definitions lock in shared mode, so
     * no definition changes while the aggregator applies a batch with it. (An advisory lock, not FOR SHARE on the
     * rows: concurrent share row locks would write MultiXacts on every meter row for every batch.)
     */
    public List<Meter> all(Connection c, boolean shareLock) throws SQLException {
        if (shareLock) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock_shared(?)")) {
                ps.setLong(1, DEFINITIONS_LOCK);
                ps.execute();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM meters ORDER BY slug")) {
            return list(ps);
        }
    }

    /** Waits for the aggregator transactions in flight and keeps new ones out until the caller's transaction ends. */
    public void lockDefinitions(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            ps.setLong(1, DEFINITIONS_LOCK);
            ps.execute();
        }
    }

    public boolean hasData(Connection c, String slug) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM usage_buckets WHERE meter = ? LIMIT 1")) {
            ps.setString(1, slug);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private List<Meter> list(PreparedStatement ps) throws SQLException {
        List<Meter> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(map(rs));
            }
        }
        return out;
    }

    private Meter map(ResultSet rs) throws SQLException {
        try {
            Meter m = MeterDefinitions.validate(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                    json.readValue(rs.getString(5), MAP), json.readTree(rs.getString(6)), rs.getTimestamp(7).toInstant());
            long seq = rs.getLong(9);
            return new Meter(m.slug(), m.eventType(), m.aggregation(), m.valueProperty(), m.groupBy(), m.filterJson(),
                    m.filter(), m.createdAt(), rs.getTimestamp(8).toInstant(), rs.wasNull() ? null : seq);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("meter row " + rs.getString(1) + " is not readable", e);
        }
    }

    private static Map<String, String> groupByText(Meter m) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonPath> e : m.groupBy().entrySet()) {
            out.put(e.getKey(), e.getValue().toString());
        }
        return out;
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
