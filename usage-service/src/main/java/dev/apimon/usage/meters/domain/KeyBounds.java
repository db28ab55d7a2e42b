package dev.apimon.usage.meters.domain;

import dev.apimon.usage.aggregation.domain.GroupKey;
import java.util.Map;
import java.util.SortedMap;
import java.util.StringJoiner;

/**
 * Bounds on the event values that become index keys: the group key (the group as JSON) is part of the primary key
 * of usage_buckets (and of rating's usage_hours), with a unique_count value of usage_unique_values. PostgreSQL
 * refuses a B-tree row over 2704 bytes (SQLSTATE 54000); one event carrying such a value stopped the aggregation of
 * its whole partition.
 * <p>
 * Two bounds. Ingest refuses new events beyond the lower one, per item, so a client learns. The aggregator only
 * refuses what a key cannot store: events that bypass ingest (quota-service records its checks straight to
 * Kafka, with the request path as {@code endpoint}) and events counted before these bounds existed stay countable,
 * so a correction's recompute never drops what was counted.
 */
final class KeyBounds {
    static final int INGEST_GROUP_KEY_BYTES = 1536;
    static final int INGEST_VALUE_BYTES = 768;
    /** At ingest a unique_count value and its group key together: ingest never accepts what the aggregator refuses. */
    static final int INGEST_KEY_BYTES = 2300;
    /**
     * 2704 less the other key columns (customer id, meter slug of at most 100 characters, env, hour) and row overhead:
     * incompressible keys failed from about 2560 bytes in usage_buckets and usage_unique_values.
     */
    static final int STORED_KEY_BYTES = 2450;

    private KeyBounds() {
    }

    /** Why the group's values cannot be part of a bucket key, or null. */
    static String groupProblem(Meter m, SortedMap<String, String> group, boolean ingest) {
        int limit = ingest ? INGEST_GROUP_KEY_BYTES : STORED_KEY_BYTES;
        if (group.isEmpty() || upperBound(group) <= limit || utf8Length(GroupKey.of(group)) <= limit) {
            return null;
        }
        return "meter '" + m.slug() + "' needs group values of at most " + limit + " bytes together (as JSON) at " + paths(m);
    }

    /** Why a unique_count value (with its group) cannot be part of the distinct values' key, or null. */
    static String valueProblem(Meter m, SortedMap<String, String> group, String value, boolean ingest) {
        int bytes = utf8Length(value);
        if (ingest && bytes > INGEST_VALUE_BYTES) {
            return "meter '" + m.slug() + "' needs a value of at most " + INGEST_VALUE_BYTES + " bytes at " + m.valueProperty();
        }
        int limit = ingest ? INGEST_KEY_BYTES : STORED_KEY_BYTES;
        int groupBytes = group.isEmpty() ? 2 : utf8Length(GroupKey.of(group));
        return groupBytes + bytes <= limit ? null
                : "meter '" + m.slug() + "' needs a value and group values of at most " + limit + " bytes together at "
                + m.valueProperty();
    }

    /** Bytes the group key can take at most: every character escaped (6 bytes), plus names, quotes and separators. */
    private static long upperBound(SortedMap<String, String> group) {
        long atMost = 2;
        for (Map.Entry<String, String> g : group.entrySet()) {
            atMost += g.getKey().length() + 6 + (g.getValue() == null ? 4 : 6L * g.getValue().length());
        }
        return atMost;
    }

    private static String paths(Meter m) {
        StringJoiner paths = new StringJoiner(", ");
        m.groupBy().values().forEach(p -> paths.add(p.toString()));
        return paths.toString();
    }

    static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            // a surrogate pair is 4 bytes: 2 per half (ingest refuses unpaired ones)
            bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return bytes;
    }
}
