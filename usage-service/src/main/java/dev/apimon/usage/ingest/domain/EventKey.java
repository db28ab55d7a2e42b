package dev.apimon.usage.ingest.domain;

import java.util.Comparator;

/** The dedup identity of a usage event: (customer, source, id) — never its timestamp. */
public record EventKey(String customerId, String source, String id) implements Comparable<EventKey> {
    private static final Comparator<EventKey> ORDER = Comparator.comparing(EventKey::customerId)
            .thenComparing(EventKey::source).thenComparing(EventKey::id);

    @Override
    public int compareTo(EventKey o) {
        return ORDER.compare(this, o);
    }

    /** The ledger's single-column key: length-prefixed, so no customer, source or id can make two keys collide. */
    public String ledgerKey() {
        return customerId.length() + ":" + customerId + source.length() + ":" + source + id;
    }
}
