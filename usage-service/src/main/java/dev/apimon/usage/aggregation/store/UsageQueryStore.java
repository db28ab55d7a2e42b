package dev.apimon.usage.aggregation.store;

import dev.apimon.usage.aggregation.domain.UsageCursor;
import dev.apimon.usage.aggregation.domain.Windows;
import dev.apimon.usage.meters.domain.Aggregation;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rolls hourly buckets up into query windows: count and sum add up, max/min take the extreme, latest takes the
 * bucket holding the newest event, unique_count counts distinct values across the window's hours (hourly
 * counts cannot be added).
 */
@Singleton
public class UsageQueryStore {

    public record Row(int window, Map<String, String> group, BigDecimal value) {
    }

    /**
     * One page of rows in (window, group values) order, group values compared bytewise with absent ones first;
     * {@code after} (a previous page's last row) excludes everything up to and including it.
     */
    public List<Row> query(Connection c, String meter, Aggregation agg, String env, String customerId,
                           List<Windows.Window> windows, List<String> groupBy, UsageCursor after, int limit) throws SQLException {
        int firstWindow = after == null ? 0 : after.window();
        String[] starts = windows.stream().map(w -> w.start().toString()).toArray(String[]::new);
        String[] ends = windows.stream().map(w -> w.end().toString()).toArray(String[]::new);
        StringBuilder groups = new StringBuilder();
        StringBuilder positions = new StringBuilder("1");
        StringBuilder order = new StringBuilder("i");
        for (int i = 0; i < groupBy.size(); i++) {
            groups.append(", (b.group_values ->> ?) COLLATE \"C\" AS g").append(i);
            positions.append(", ").append(i + 2);
            order.append(", g").append(i).append(" COLLATE \"C\" NULLS FIRST");
        }
        String value = switch (agg) {
            case COUNT, SUM -> "sum(b.value)";
            case MAX -> "max(b.value)";
            case MIN -> "min(b.value)";
            case LATEST -> "(array_agg(b.value ORDER BY b.latest_time DESC, b.latest_seq DESC))[1]";
            case UNIQUE_COUNT -> "count(DISTINCT u.value)";
        };
        String from = agg == Aggregation.UNIQUE_COUNT
                ? "usage_unique_values u JOIN usage_buckets b ON b.customer_id = u.customer_id AND b.meter = u.meter "
                        + "AND b.env = u.env AND b.window_start = u.window_start AND b.group_key = u.group_key"
                : "usage_buckets b";
        String sql = "SELECT * FROM (SELECT w.i AS i" + groups + ", " + value + " AS v FROM " + from
                + " JOIN unnest(?::timestamptz[], ?::timestamptz[]) WITH ORDINALITY AS w(ws, we, i) "
                + "ON b.window_start >= w.ws AND b.window_start < w.we "
                + "WHERE b.meter = ? AND b.env = ? AND b.event_count > 0 AND b.window_start >= ?::timestamptz AND b.window_start < ?::timestamptz"
                + (customerId == null ? "" : " AND b.customer_id = ?")
                + " GROUP BY " + positions + ") q"
                + (after == null ? "" : " WHERE " + after(after))
                + " ORDER BY " + order + " LIMIT ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int p = 1;
            for (String g : groupBy) {
                ps.setString(p++, g);
            }
            ps.setArray(p++, c.createArrayOf("text", starts));
            ps.setArray(p++, c.createArrayOf("text", ends));
            ps.setString(p++, meter);
            ps.setString(p++, env);
            ps.setString(p++, starts[firstWindow]); // pages after the first skip the windows already listed
            ps.setString(p++, ends[ends.length - 1]);
            if (customerId != null) {
                ps.setString(p++, customerId);
            }
            if (after != null) {
                p = bindAfter(ps, p, after);
            }
            ps.setInt(p, limit);
            List<Row> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, String> group = new LinkedHashMap<>();
                    for (int i = 0; i < groupBy.size(); i++) {
                        group.put(groupBy.get(i), rs.getString(i + 2));
                    }
                    out.add(new Row(rs.getInt(1) - 1, group, rs.getBigDecimal(groupBy.size() + 2)));
                }
            }
            return out;
        }
    }

    /**
     * (i, g0, g1, ...) strictly after the cursor in the page order. An absent value sorts first, so "greater than
     * absent" is "present"; which comparison applies is known from the cursor, hence built into the text.
     */
    private static String after(UsageCursor at) {
        StringBuilder sql = new StringBuilder("(i > ?");
        StringBuilder equalSoFar = new StringBuilder("i = ?");
        for (int k = 0; k < at.group().size(); k++) {
            String g = "g" + k + " COLLATE \"C\"";
            boolean absent = at.group().get(k) == null;
            sql.append(" OR (").append(equalSoFar).append(" AND ").append(absent ? g + " IS NOT NULL" : g + " > ?").append(')');
            equalSoFar.append(" AND ").append(absent ? g + " IS NULL" : g + " = ?");
        }
        return sql.append(')').toString();
    }

    private static int bindAfter(PreparedStatement ps, int p, UsageCursor at) throws SQLException {
        int window = at.window() + 1; // w.i counts from 1
        ps.setInt(p++, window);
        List<String> bound = new ArrayList<>(); // the values of "equal so far", in order
        for (String g : at.group()) {
            ps.setInt(p++, window);
            for (String b : bound) {
                ps.setString(p++, b);
            }
            if (g != null) {
                ps.setString(p++, g);
                bound.add(g);
            }
        }
        return p;
    }
}
