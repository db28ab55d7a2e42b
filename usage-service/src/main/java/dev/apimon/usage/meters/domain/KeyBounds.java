package dev.apimon.usage.meters.domain;

import dev.apimon.usage.aggregation.domain.GroupKey;
import java.util.Map;
import java.util.SortedMap;
import java.util.StringJoiner;

/**
 * Bounds on the event values that become index keys: the group key is part of the primary key of usage_buckets,
 * and with a unique_count value of usage_unique_values. PostgreSQL refuses a B-tree row over 2704 bytes (SQLSTATE
 * 54000), and one event carrying such a value stopped the aggregation of its whole partition. Worst case within
 * the bounds: a 1024-byte group key plus a 256-character value (at most 1024 UTF-8 bytes) plus customer, meter,
 * env and hour is about 2200 bytes.
 */
final class KeyBounds {
    static final int MAX_VALUE_CHARS = 256;
    static final int MAX_GROUP_KEY_BYTES = 1024;

    private KeyBounds() {
    }

    /** Why the group's values cannot be part of a bucket key, or null. */
    static String groupProblem(Meter m, SortedMap<String, String> group) {
        if (group.isEmpty()) {
            return null;
        }
        int atMost = 2; // bytes of the key: {"name":"value",...}, every character of a value escaped (6 bytes)
        for (Map.Entry<String, String> g : group.entrySet()) {
            String v = g.getValue();
            if (tooLong(v)) {
                return "meter '" + m.slug() + "' needs a group value of at most " + MAX_VALUE_CHARS + " characters at "
                        + m.groupBy().get(g.getKey());
            }
            atMost += g.getKey().length() + 6 + (v == null ? 4 : 6 * v.length());
        }
        // the key is the group as JSON: names, quotes and escapes count too (a control character takes 6 bytes);
        // built only when the cheap bound cannot tell (ingest runs this per event and meter)
        if (atMost > MAX_GROUP_KEY_BYTES && utf8Length(GroupKey.of(group)) > MAX_GROUP_KEY_BYTES) {
            StringJoiner paths = new StringJoiner(", ");
            m.groupBy().values().forEach(p -> paths.add(p.toString()));
            return "meter '" + m.slug() + "' needs group values of at most " + MAX_GROUP_KEY_BYTES
                    + " bytes together (as JSON) at " + paths;
        }
        return null;
    }

    /** Why a unique_count value cannot be part of the distinct values' key, or null. */
    static String valueProblem(Meter m, String value) {
        return tooLong(value) ? "meter '" + m.slug() + "' needs a value of at most " + MAX_VALUE_CHARS + " characters at "
                + m.valueProperty() : null;
    }

    /** More than the bound in characters (code points: an emoji is one). */
    private static boolean tooLong(String s) {
        return s != null && s.length() > MAX_VALUE_CHARS && s.codePointCount(0, s.length()) > MAX_VALUE_CHARS;
    }

    private static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            // a surrogate pair is 4 bytes: 2 per half (ingest refuses unpaired ones)
            bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return bytes;
    }
}
