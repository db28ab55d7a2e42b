package dev.apimon.usage.customers.domain;

import dev.apimon.usage.config.UsageConfig;
import dev.apimon.usage.customers.store.CustomerStore;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves event subjects (customer id or external id) to customer ids for ingest, with a cache of known
 * customers: a batch usually names few customers, and ingest should not query them for every request.
 * Unknown subjects are never cached, so a customer is usable as soon as its snapshot is stored.
 */
@Singleton
public class CustomerDirectory {
    private record Entry(String id, long expiresAtNanos) {
    }

    private static final int MAX_ENTRIES = 200_000;
    private final AgroalDataSource db;
    private final CustomerStore store;
    private final long ttlNanos;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    public CustomerDirectory(AgroalDataSource db, CustomerStore store, UsageConfig config) {
        this.db = db;
        this.store = store;
        this.ttlNanos = config.ingest().customerCacheTtl().toNanos();
    }

    public Map<String, String> resolve(Set<String> subjects) throws SQLException {
        Map<String, String> out = new HashMap<>();
        Set<String> misses = new HashSet<>();
        long now = System.nanoTime();
        for (String s : subjects) {
            Entry e = cache.get(s);
            if (e != null && e.expiresAtNanos - now > 0) {
                out.put(s, e.id);
            } else {
                misses.add(s);
            }
        }
        if (!misses.isEmpty()) {
            Map<String, String> found;
            try (Connection c = db.getConnection()) {
                found = store.resolve(c, misses);
            }
            if (cache.size() > MAX_ENTRIES) {
                cache.clear();
            }
            for (Map.Entry<String, String> f : found.entrySet()) {
                cache.put(f.getKey(), new Entry(f.getValue(), now + ttlNanos));
                out.put(f.getKey(), f.getValue());
            }
        }
        return out;
    }
}
