package dev.apimon.quota.view.domain;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory view of keys, subscriptions and plans, rebuilt from the compacted topics. Every update replaces a
 * whole snapshot (a customer's key set, a customer's subscription, a plan version), so applying a record twice
 * or replaying the topic changes nothing. One writer (the consumer thread), many lock-free readers.
 */
public final class QuotaView {
    private final Map<String, KeyRecord> keysByHash = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> hashesByCustomer = new ConcurrentHashMap<>();
    private final Map<String, SubscriptionRecord> subscriptions = new ConcurrentHashMap<>();
    private final Map<String, PlanDefinition> plans = new ConcurrentHashMap<>();
    /** The same plans by reference: a check looks up by PlanRef and would otherwise build "code:version" each time. */
    private final Map<PlanRef, PlanDefinition> plansByRef = new ConcurrentHashMap<>();
    private volatile boolean loaded;

    /** True once everything published before the consumer started is in the view. */
    public boolean loaded() {
        return loaded;
    }

    public void markLoaded() {
        loaded = true;
    }

    public KeyRecord keyByHash(String hash) {
        return keysByHash.get(hash);
    }

    public SubscriptionRecord subscription(String customerId) {
        return subscriptions.get(customerId);
    }

    public PlanDefinition plan(PlanRef ref) {
        return ref == null ? null : plansByRef.get(ref);
    }

    /** Replaces the customer's whole key set (new keys first, so a concurrent check never misses a kept key). */
    public void replaceKeys(String customerId, List<KeyRecord> keys) {
        Set<String> fresh = ConcurrentHashMap.newKeySet();
        for (KeyRecord k : keys) {
            keysByHash.put(k.keyHash(), k);
            fresh.add(k.keyHash());
        }
        Set<String> old = fresh.isEmpty() ? hashesByCustomer.remove(customerId) : hashesByCustomer.put(customerId, fresh);
        if (old != null) {
            for (String h : old) {
                if (!fresh.contains(h)) {
                    keysByHash.computeIfPresent(h, (x, k) -> k.customerId().equals(customerId) ? null : k);
                }
            }
        }
    }

    public void putSubscription(SubscriptionRecord s) {
        subscriptions.put(s.customerId(), s);
    }

    public void removeSubscription(String customerId) {
        subscriptions.remove(customerId);
    }

    public void putPlan(PlanDefinition p) {
        plansByRef.put(p.ref(), p);
        PlanDefinition old = plans.put(p.ref().key(), p);
        if (old != null && !old.ref().equals(p.ref())) {
            plansByRef.remove(old.ref());
        }
    }

    public void removePlan(String key) {
        PlanDefinition old = plans.remove(key);
        if (old != null) {
            plansByRef.remove(old.ref());
        }
    }

    public record Stats(int keys, int customersWithKeys, int subscriptions, int plans) {
    }

    public Stats stats() {
        return new Stats(keysByHash.size(), hashesByCustomer.size(), subscriptions.size(), plans.size());
    }
}
