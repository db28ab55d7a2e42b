package dev.apimon.quota.limits.domain;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fail-open limiter used while Redis is unavailable: the same GCRA and quota rules, in this replica's memory.
 * Rate limits are enforced per replica. Quotas continue from the last usage Redis reported for the period plus
 * what this replica allowed since, so a hard quota stays (approximately) hard through an outage. Nothing here is
 * written back to Redis later; usage events still go to Kafka, so billing stays exact.
 */
public final class LocalLimiter {
    private static final int MAX_ENTRIES = 200_000;
    private final ConcurrentHashMap<String, Long> tats = new ConcurrentHashMap<>();
    /** Mutable holders: observe() runs for every check Redis answers, and updating in place avoids a map write. */
    private final ConcurrentHashMap<String, AtomicLong> quotaLastKnown = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> quotaLocal = new ConcurrentHashMap<>();
    private final Object[] locks = new Object[64];

    public LocalLimiter() {
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
    }

    /** Remembers what Redis said about a quota, as the starting point if Redis goes away. */
    public void observe(LimitRequest request, LimitResult result) {
        if (request.hasQuota()) {
            String key = request.quota().counterKey();
            AtomicLong last = quotaLastKnown.get(key);
            if (last == null) {
                quotaLastKnown.put(key, new AtomicLong(result.quotaUsed()));
            } else {
                last.set(result.quotaUsed());
            }
            if (!quotaLocal.isEmpty()) {
                quotaLocal.remove(key);
            }
        }
    }

    public LimitResult evaluate(LimitRequest r) {
        Object lock = locks[(r.customerId().hashCode() & 0x7fffffff) % locks.length];
        synchronized (lock) {
            long now = r.nowMicros();
            long cost = r.cost();
            boolean allowed = true;
            long[] before = new long[r.rates().size()];
            long[] after = new long[r.rates().size()];
            for (int i = 0; i < r.rates().size(); i++) {
                LimitRequest.Rate rate = r.rates().get(i);
                long tat = tats.getOrDefault(rate.counterKey(), 0L);
                Gcra.Step step = rate.gcra().decide(tat, now, cost);
                before[i] = Math.max(tat, now);
                after[i] = step.tat();
                allowed &= step.conforms();
            }
            long used = 0;
            if (r.hasQuota()) {
                String key = r.quota().counterKey();
                AtomicLong last = quotaLastKnown.get(key);
                used = (last == null ? 0 : last.get()) + quotaLocal.getOrDefault(key, 0L);
                if (r.quota().spec().hard() && used + cost > r.quota().spec().limit()) {
                    allowed = false;
                }
            }
            long[] deltas = new long[before.length];
            if (allowed && cost > 0) {
                for (int i = 0; i < after.length; i++) {
                    tats.put(r.rates().get(i).counterKey(), after[i]);
                    deltas[i] = after[i] - now;
                }
                if (r.hasQuota()) {
                    quotaLocal.merge(r.quota().counterKey(), cost, Long::sum);
                    used += cost;
                }
            } else {
                for (int i = 0; i < before.length; i++) {
                    deltas[i] = before[i] - now;
                }
            }
            return new LimitResult(allowed, false, deltas, used, false, false, LimitResult.Source.LOCAL, null);
        }
    }

    /** Drops rate states that have fully recovered; bounds memory (called periodically). */
    public void evictExpired(long nowMicros) {
        tats.values().removeIf(tat -> tat < nowMicros);
        if (quotaLastKnown.size() > MAX_ENTRIES) {
            quotaLastKnown.clear();
        }
        if (quotaLocal.size() > MAX_ENTRIES) {
            quotaLocal.clear();
        }
    }

    public int size() {
        return tats.size();
    }
}
