package dev.apimon.usage.ingest.domain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dedup decision of one request. Repeats inside the request are duplicates of their first occurrence;
 * the first occurrences are claimed in the ledger (sorted, so concurrent requests lock keys in one order and
 * cannot deadlock), and only what the ledger newly claimed is published. Everything else is a duplicate.
 */
public final class DedupPlan {
    private final List<UsageEvent> firsts; // request order
    private final List<UsageEvent> candidates; // key order
    private final int repeatsInRequest;

    private DedupPlan(List<UsageEvent> firsts, List<UsageEvent> candidates, int repeatsInRequest) {
        this.firsts = firsts;
        this.candidates = candidates;
        this.repeatsInRequest = repeatsInRequest;
    }

    public static DedupPlan of(List<UsageEvent> valid) {
        Map<EventKey, UsageEvent> first = new HashMap<>(valid.size() * 2);
        List<UsageEvent> firsts = new ArrayList<>(valid.size());
        for (UsageEvent e : valid) {
            if (first.putIfAbsent(e.key(), e) == null) {
                firsts.add(e);
            }
        }
        List<UsageEvent> sorted = new ArrayList<>(firsts);
        sorted.sort((a, b) -> {
            int c = a.customerId().compareTo(b.customerId());
            if (c == 0) {
                c = a.source().compareTo(b.source());
            }
            return c != 0 ? c : a.id().compareTo(b.id());
        });
        return new DedupPlan(firsts, sorted, valid.size() - firsts.size());
    }

    /** Unique events in key order: what to claim in the ledger. */
    public List<UsageEvent> candidates() {
        return candidates;
    }

    /** The candidates the ledger claimed now, in request order: what to publish. */
    public List<UsageEvent> toPublish(Set<EventKey> claimed) {
        if (claimed.size() == firsts.size()) {
            return firsts;
        }
        List<UsageEvent> out = new ArrayList<>(claimed.size());
        for (UsageEvent e : firsts) {
            if (claimed.contains(e.key())) {
                out.add(e);
            }
        }
        return out;
    }

    public int duplicates(Set<EventKey> claimed) {
        return repeatsInRequest + firsts.size() - claimed.size();
    }
}
