package dev.apimon.usage.meters.domain;

import dev.apimon.usage.config.UsageConfig;
import dev.apimon.usage.meters.store.MeterStore;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Meters by event type for ingest validation, cached for a short TTL: ingest must not read the meters table
 * for every batch. Changes made through this instance are visible at once; other replicas' changes within
 * the TTL (the aggregator re-reads meters in each transaction, so aggregation itself is never stale).
 */
@Singleton
public class MeterCatalog {
    private record Snapshot(Map<String, List<Meter>> byType, long loadedAtNanos) {
    }

    private final AgroalDataSource db;
    private final MeterStore store;
    private final long ttlNanos;
    private volatile Snapshot snapshot;

    public MeterCatalog(AgroalDataSource db, MeterStore store, UsageConfig config) {
        this.db = db;
        this.store = store;
        this.ttlNanos = config.ingest().meterCacheTtl().toNanos();
    }

    public Map<String, List<Meter>> byType() throws SQLException {
        Snapshot s = snapshot;
        if (s == null || System.nanoTime() - s.loadedAtNanos > ttlNanos) {
            s = load();
        }
        return s.byType;
    }

    public void invalidate() {
        snapshot = null;
    }

    private synchronized Snapshot load() throws SQLException {
        Snapshot s = snapshot;
        if (s != null && System.nanoTime() - s.loadedAtNanos <= ttlNanos) {
            return s;
        }
        try (Connection c = db.getConnection()) {
            s = new Snapshot(index(store.all(c, false)), System.nanoTime());
        }
        snapshot = s;
        return s;
    }

    public static Map<String, List<Meter>> index(List<Meter> meters) {
        Map<String, List<Meter>> byType = new HashMap<>();
        for (Meter m : meters) {
            byType.computeIfAbsent(m.eventType(), t -> new java.util.ArrayList<>()).add(m);
        }
        return byType;
    }
}
