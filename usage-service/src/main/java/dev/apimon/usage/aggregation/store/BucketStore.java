package dev.apimon.usage.aggregation.store;

import dev.apimon.usage.aggregation.domain.BucketKey;
import dev.apimon.usage.aggregation.domain.BucketState;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
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
import java.util.Set;

/** Hourly buckets and the distinct values of unique_count buckets; callers own the transaction. */
@Singleton
public class BucketStore {
    private static final String KEYS = "unnest(?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[]) AS k(c, m, env, ws, g)";
    // multi-argument unnest zips the arrays into rows
    private static final String KEYS_AND_STATES = "unnest(?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[], "
            + "?::numeric[], ?::bigint[], ?::timestamptz[], ?::bigint[], ?::bigint[]) AS k(c, m, env, ws, g, v, n, lt, ls, ver)";
    private static final String STATE = "b.customer_id, b.meter, b.env, b.window_start, b.group_key, b.value, b.event_count, "
            + "b.latest_time, b.latest_seq, b.version, b.revision";

    /** A stored bucket: its state and the revision it was read at. */
    public record Stored(BucketState state, long revision) {
    }

    /** A bucket to write: its key, its new state, and (for updates) the revision it was read at. */
    public record Write(BucketKey key, BucketState state, long readRevision) {
        public Write(BucketKey key, BucketState state) {
            this(key, state, 0);
        }
    }

    /** Thrown when a bucket this transaction read was written concurrently: the batch is retried. */
    public static final class ConcurrentBucketWrite extends SQLException {
        public ConcurrentBucketWrite(String message) {
            super(message, "40001");
        }
    }

    /**
     * The existing buckets among {@code keys}, read without locks: the update checks the revision instead, so the
     * common case (one consumer per customer) pays no lock writes.
     */
    public Map<BucketKey, Stored> read(Connection c, List<BucketKey> keys) throws SQLException {
        Map<BucketKey, Stored> out = new HashMap<>();
        if (keys.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT " + STATE + " FROM usage_buckets b JOIN " + KEYS
                + " ON b.customer_id = k.c AND b.meter = k.m AND b.env = k.env AND b.window_start = k.ws AND b.group_key = k.g")) {
            bindKeys(c, ps, 1, keys);
            readStates(ps, out);
        }
        return out;
    }

    /** Every bucket of one meter, customer, env and hour, row-locked (for recomputing after a correction). */
    public Map<BucketKey, Stored> lockHour(Connection c, String customerId, String meter, String env, Instant hour) throws SQLException {
        Map<BucketKey, Stored> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + STATE + " FROM usage_buckets b WHERE b.customer_id = ? "
                + "AND b.meter = ? AND b.env = ? AND b.window_start = ? ORDER BY b.group_key FOR UPDATE")) {
            ps.setString(1, customerId);
            ps.setString(2, meter);
            ps.setString(3, env);
            ps.setTimestamp(4, Timestamp.from(hour));
            readStates(ps, out);
        }
        return out;
    }

    private static void readStates(PreparedStatement ps, Map<BucketKey, Stored> out) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                BucketKey k = new BucketKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(), rs.getString(5));
                Timestamp lt = rs.getTimestamp(8);
                out.put(k, new Stored(new BucketState(rs.getBigDecimal(6), rs.getLong(7), lt == null ? null : lt.toInstant(),
                        rs.getLong(9), rs.getLong(10)), rs.getLong(11)));
            }
        }
    }

    /** Inserts buckets that did not exist; a concurrent insert of one of them aborts the batch (retried). */
    public void insert(Connection c, List<Write> writes, Instant now) throws SQLException {
        if (writes.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_buckets (customer_id, meter, env, window_start, group_key, "
                + "group_values, value, event_count, latest_time, latest_seq, version, updated_at) "
                + "SELECT k.c, k.m, k.env, k.ws, k.g, k.g::jsonb, k.v, k.n, k.lt, k.ls, k.ver, ? FROM " + KEYS_AND_STATES
                + " ON CONFLICT DO NOTHING")) {
            ps.setTimestamp(1, Timestamp.from(now));
            bindKeys(c, ps, 2, writes.stream().map(Write::key).toList());
            bindStates(c, ps, 7, writes);
            int inserted = ps.executeUpdate();
            if (inserted != writes.size()) {
                throw new ConcurrentBucketWrite((writes.size() - inserted) + " bucket(s) were created concurrently");
            }
        }
    }

    public void update(Connection c, List<Write> writes, Instant now) throws SQLException {
        if (writes.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE usage_buckets b SET value = s.v, event_count = s.n, latest_time = s.lt, "
                + "latest_seq = s.ls, version = s.ver, revision = b.revision + 1, updated_at = ? FROM "
                + KEYS_AND_STATES.replace("?::bigint[]) AS k(", "?::bigint[], ?::bigint[]) AS s(").replace("ls, ver)", "ls, ver, rev)")
                + " WHERE b.customer_id = s.c AND b.meter = s.m AND b.env = s.env AND b.window_start = s.ws AND b.group_key = s.g "
                + "AND b.revision = s.rev")) {
            ps.setTimestamp(1, Timestamp.from(now));
            bindKeys(c, ps, 2, writes.stream().map(Write::key).toList());
            bindStates(c, ps, 7, writes);
            ps.setArray(12, c.createArrayOf("bigint", writes.stream().map(Write::readRevision).toArray()));
            int updated = ps.executeUpdate();
            if (updated != writes.size()) {
                throw new ConcurrentBucketWrite((writes.size() - updated) + " bucket(s) were changed concurrently");
            }
        }
    }

    /** Adds distinct values to unique_count buckets; returns per bucket how many of them were new. */
    public Map<BucketKey, Long> addDistinct(Connection c, Map<BucketKey, Set<String>> values) throws SQLException {
        Map<BucketKey, Long> out = new HashMap<>();
        List<BucketKey> keys = new ArrayList<>();
        List<String> vals = new ArrayList<>();
        values.forEach((k, set) -> set.forEach(v -> {
            keys.add(k);
            vals.add(v);
        }));
        if (keys.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_unique_values (customer_id, meter, env, window_start, "
                + "group_key, value) SELECT k.c, k.m, k.env, k.ws, k.g, k.v FROM "
                + "unnest(?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::text[]) AS k(c, m, env, ws, g, v) "
                + "ON CONFLICT DO NOTHING RETURNING customer_id, meter, env, window_start, group_key")) {
            bindKeys(c, ps, 1, keys);
            ps.setArray(6, c.createArrayOf("text", vals.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    BucketKey k = new BucketKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(), rs.getString(5));
                    out.merge(k, 1L, Long::sum);
                }
            }
        }
        return out;
    }

    /** Replaces a unique_count bucket's distinct values (after a correction recomputed it). */
    public void replaceDistinct(Connection c, BucketKey k, Set<String> values) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM usage_unique_values WHERE customer_id = ? AND meter = ? "
                + "AND env = ? AND window_start = ? AND group_key = ?")) {
            ps.setString(1, k.customerId());
            ps.setString(2, k.meter());
            ps.setString(3, k.env());
            ps.setTimestamp(4, Timestamp.from(k.windowStart()));
            ps.setString(5, k.groupKey());
            ps.executeUpdate();
        }
        addDistinct(c, Map.of(k, values));
    }

    private static void bindKeys(Connection c, PreparedStatement ps, int first, List<BucketKey> keys) throws SQLException {
        int n = keys.size();
        String[] cs = new String[n];
        String[] ms = new String[n];
        String[] es = new String[n];
        String[] ws = new String[n];
        String[] gs = new String[n];
        for (int i = 0; i < n; i++) {
            BucketKey k = keys.get(i);
            cs[i] = k.customerId();
            ms[i] = k.meter();
            es[i] = k.env();
            ws[i] = k.windowStart().toString();
            gs[i] = k.groupKey();
        }
        ps.setArray(first, c.createArrayOf("text", cs));
        ps.setArray(first + 1, c.createArrayOf("text", ms));
        ps.setArray(first + 2, c.createArrayOf("text", es));
        ps.setArray(first + 3, c.createArrayOf("text", ws));
        ps.setArray(first + 4, c.createArrayOf("text", gs));
    }

    private static void bindStates(Connection c, PreparedStatement ps, int first, List<Write> writes) throws SQLException {
        int n = writes.size();
        BigDecimal[] v = new BigDecimal[n];
        Long[] cnt = new Long[n];
        String[] lt = new String[n];
        Long[] ls = new Long[n];
        Long[] ver = new Long[n];
        for (int i = 0; i < n; i++) {
            BucketState s = writes.get(i).state();
            v[i] = s.value();
            cnt[i] = s.eventCount();
            lt[i] = s.latestTime() == null ? null : s.latestTime().toString();
            ls[i] = s.latestSeq();
            ver[i] = s.version();
        }
        ps.setArray(first, c.createArrayOf("numeric", v));
        ps.setArray(first + 1, c.createArrayOf("bigint", cnt));
        ps.setArray(first + 2, c.createArrayOf("text", lt));
        ps.setArray(first + 3, c.createArrayOf("bigint", ls));
        ps.setArray(first + 4, c.createArrayOf("bigint", ver));
    }
}
