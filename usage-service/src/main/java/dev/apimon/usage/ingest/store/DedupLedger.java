package dev.apimon.usage.ingest.store;

import dev.apimon.usage.ingest.domain.EventKey;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ingest dedup ledger. {@link #claim} runs inside the transaction that waits for Kafka: the claim commits
 * only if Kafka committed the events, so a failed request leaves nothing claimed and its retry is accepted.
 * A concurrent request claiming the same key blocks on the uncommitted row until this one ends.
 */
@Singleton
public class DedupLedger {
    private static final String CLAIM = "INSERT INTO dedup_ledger (key, claimed_at) SELECT k, ? FROM unnest(?::text[]) AS u(k) "
            + "ON CONFLICT DO NOTHING RETURNING key";

    /**
     * The ledger transaction need not wait for its WAL flush: acceptance is made durable by Kafka's acks=all
     * commit, which happens before this commit. A claim lost in a PostgreSQL crash only makes a later retry of
     * those events "accepted" instead of "duplicates", and the aggregator drops the second copy by identity.
     * (Only this transaction: the aggregator's commit must be durable before it commits its offsets.)
     */
    public void relaxDurability(Connection c) throws SQLException {
        try (var st = c.createStatement()) {
            st.execute("SET LOCAL synchronous_commit TO off");
        }
    }

    /** Claims the keys (pass them sorted); returns those claimed now, i.e. not seen within the dedup window. */
    public Set<EventKey> claim(Connection c, List<EventKey> keys, Instant now) throws SQLException {
        Set<EventKey> claimed = new HashSet<>(keys.size() * 2);
        if (keys.isEmpty()) {
            return claimed;
        }
        Map<String, EventKey> byLedgerKey = new HashMap<>(keys.size() * 2);
        String[] ks = new String[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            ks[i] = keys.get(i).ledgerKey();
            byLedgerKey.put(ks[i], keys.get(i));
        }
        try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setArray(2, c.createArrayOf("text", ks));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    claimed.add(byLedgerKey.get(rs.getString(1)));
                }
            }
        }
        return claimed;
    }

    /** Which of the keys name an event that was accepted (ledger) or is in the raw log (older than the window). */
    public Set<EventKey> known(Connection c, Collection<EventKey> keys) throws SQLException {
        Set<EventKey> out = new HashSet<>();
        for (EventKey k : keys) {
            try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM dedup_ledger WHERE key = ?) "
                    + "OR EXISTS (SELECT 1 FROM usage_events WHERE customer_id = ? AND source = ? AND event_id = ?)")) {
                ps.setString(1, k.ledgerKey());
                ps.setString(2, k.customerId());
                ps.setString(3, k.source());
                ps.setString(4, k.id());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        out.add(k);
                    }
                }
            }
        }
        return out;
    }

    /** Deletes up to {@code limit} claims older than {@code before}; returns how many. */
    public int purge(Connection c, Instant before, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM dedup_ledger WHERE ctid = ANY (ARRAY("
                + "SELECT ctid FROM dedup_ledger WHERE claimed_at < ? LIMIT ?))")) {
            ps.setTimestamp(1, Timestamp.from(before));
            ps.setInt(2, limit);
            return ps.executeUpdate();
        }
    }
}
