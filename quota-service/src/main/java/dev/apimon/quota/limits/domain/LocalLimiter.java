package dev.apimon.quota.limits.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fail-open limiter used while Redis is unavailable: the same GCRA and quota rules, in this replica's memory.
 * Rate limits are enforced per replica and forgotten. Quotas continue from the last usage Redis reported for the
 * period plus what this replica allowed locally since, and that local consumption is remembered per quota counter
 * (key and period) until it has been added to Redis ({@link #takeWriteBacks}): without it the period's counter
 * would miss what replicas served during the outage, and the hard quota would leak by that much for the rest of the
 * period. Usage events still go to Kafka either way, so billing stays exact.
 */
public final class LocalLimiter {
    private static final int MAX_ENTRIES = 200_000;
    private final ConcurrentHashMap<String, Long> tats = new ConcurrentHashMap<>();
    /** Mutable holders: observe() runs for every check Redis answers, and updating in place avoids a map write. */
    private final ConcurrentHashMap<String, AtomicLong> quotaLastKnown = new ConcurrentHashMap<>();
    /** Per quota counter key: allowed here, not yet in Redis. Its fields are guarded by its customer's lock. */
    private final ConcurrentHashMap<String, Unsynced> quotaLocal = new ConcurrentHashMap<>();
    private final Object[] locks = new Object[64];

    public LocalLimiter() {
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
    }

    /**
     * Quota units this replica allowed on one counter that Redis has not counted yet: {@code amount} since the last
     * write-back was taken, plus the one being written ({@code inFlight}, resent as it is until Redis acknowledges it).
     */
    private static final class Unsynced {
        final String customerId;
        final Instant periodEnd;
        long amount;
        /** When this replica last allowed units here (the check's clock, µs). */
        long lastAllowedMicros;
        WriteBack inFlight;
        boolean sending;

        Unsynced(String customerId, Instant periodEnd) {
            this.customerId = customerId;
            this.periodEnd = periodEnd;
        }

        long pending() {
            return amount + (inFlight == null ? 0 : inFlight.amount());
        }
    }

    /**
     * Units to add to a quota counter in Redis. {@code markerKey} is unique to this write-back: the script adds the
     * amount only when it sets the marker, so a write-back resent after a lost answer is not added twice.
     *
     * @param periodEnd end of the counter's period (the counter expires a grace period later)
     */
    public record WriteBack(String customerId, String counterKey, String markerKey, long amount, Instant periodEnd) {
    }

    private Object lock(String customerId) {
        return locks[(customerId.hashCode() & 0x7fffffff) % locks.length];
    }

    /**
     * Remembers what Redis said about a quota, as the starting point if Redis goes away. What this replica allowed
     * locally stays remembered on top of it until its write-back is acknowledged: Redis' count does not include it.
     */
    public void observe(LimitRequest request, LimitResult result) {
        if (request.hasQuota()) {
            String key = request.quota().counterKey();
            AtomicLong last = quotaLastKnown.get(key);
            if (last == null) {
                quotaLastKnown.put(key, new AtomicLong(result.quotaUsed()));
            } else {
                last.set(result.quotaUsed());
            }
        }
    }

    public LimitResult evaluate(LimitRequest r) {
        synchronized (lock(r.customerId())) {
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
                Unsynced local = quotaLocal.get(key);
                used = (last == null ? 0 : last.get()) + (local == null ? 0 : local.pending());
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
                    Unsynced u = quotaLocal.computeIfAbsent(r.quota().counterKey(), k -> new Unsynced(r.customerId(), r.quota().period().end()));
                    u.amount += cost;
                    u.lastAllowedMicros = now;
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

    /**
     * Redis ran a check after all that this replica had already answered locally (its answer came after the time
     * budget): what both allowed was counted in Redis too, so it is no longer to be written back.
     */
    public void countedByRedisToo(LimitRequest r, LimitResult local, LimitResult redis) {
        if (!r.hasQuota() || r.cost() <= 0 || local.source() != LimitResult.Source.LOCAL || !local.allowed()
                || !redis.allowed() || redis.duplicate()) {
            return;
        }
        synchronized (lock(r.customerId())) {
            Unsynced u = quotaLocal.get(r.quota().counterKey());
            if (u != null) {
                // only from what is not being written yet; the sweep leaves units alone until late answers are
                // over (hung-after), so a write-back already taken does not hold this one
                u.amount -= Math.min(u.amount, r.cost());
                removeIfSynced(r.quota().counterKey(), u);
            }
        }
    }

    public boolean hasWriteBacks() {
        return !quotaLocal.isEmpty();
    }

    /**
     * Takes up to {@code max} write-backs to send now: the one still unacknowledged for a counter, else all that was
     * allowed there since. Each must be answered with {@link #writtenBack} or {@link #writeBackFailed}. Counters whose
     * period ended more than {@code graceMillis} ago are dropped: Redis has expired them too. Units allowed less than
     * {@code settleMicros} ago are not taken yet.
     */
    public List<WriteBack> takeWriteBacks(int max, Instant now, long graceMillis, long settleMicros) {
        long nowMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
        List<WriteBack> out = new ArrayList<>();
        for (Map.Entry<String, Unsynced> e : quotaLocal.entrySet()) {
            if (out.size() >= max) {
                break;
            }
            Unsynced u = e.getValue();
            synchronized (lock(u.customerId)) {
                if (u.sending || quotaLocal.get(e.getKey()) != u) {
                    continue;
                }
                if (now.isAfter(u.periodEnd.plusMillis(graceMillis))) {
                    quotaLocal.remove(e.getKey(), u);
                    continue;
                }
                if (u.inFlight == null) {
                    if (u.amount <= 0) {
                        quotaLocal.remove(e.getKey(), u);
                        continue;
                    }
                    if (nowMicros - u.lastAllowedMicros < settleMicros) {
                        continue; // a late Redis answer may still take some of these units out
                    }
                    u.inFlight = new WriteBack(u.customerId, e.getKey(), CounterKeys.writeBack(e.getKey(), UUID.randomUUID().toString()),
                            u.amount, u.periodEnd);
                    u.amount = 0;
                }
                u.sending = true;
                out.add(u.inFlight);
            }
        }
        return out;
    }

    /** Redis added the write-back; {@code counter} is the counter's value after it. */
    public void writtenBack(WriteBack w, long counter) {
        synchronized (lock(w.customerId())) {
            Unsynced u = quotaLocal.get(w.counterKey());
            if (u == null || u.inFlight != w) {
                return;
            }
            u.inFlight = null;
            u.sending = false;
            AtomicLong last = quotaLastKnown.get(w.counterKey());
            if (last == null) {
                quotaLastKnown.put(w.counterKey(), new AtomicLong(counter));
            } else {
                last.set(counter);
            }
            removeIfSynced(w.counterKey(), u);
        }
    }

    /** Not acknowledged: the same write-back (same marker) is sent again later. */
    public void writeBackFailed(WriteBack w) {
        synchronized (lock(w.customerId())) {
            Unsynced u = quotaLocal.get(w.counterKey());
            if (u != null && u.inFlight == w) {
                u.sending = false;
            }
        }
    }

    private void removeIfSynced(String key, Unsynced u) {
        if (u.amount == 0 && u.inFlight == null) {
            quotaLocal.remove(key, u);
        }
    }

    /**
     * Drops rate states that have fully recovered; bounds memory (called periodically). Returns how many quota
     * write-backs were given up to stay within the bound (their units are then missing from Redis' counters).
     */
    public int evictExpired(long nowMicros) {
        tats.values().removeIf(tat -> tat < nowMicros);
        if (quotaLastKnown.size() > MAX_ENTRIES) {
            quotaLastKnown.clear();
        }
        int dropped = 0;
        if (quotaLocal.size() > MAX_ENTRIES) {
            dropped = quotaLocal.size();
            quotaLocal.clear();
        }
        return dropped;
    }

    public int size() {
        return tats.size();
    }
}
