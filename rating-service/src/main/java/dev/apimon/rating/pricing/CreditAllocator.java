package dev.apimon.rating.pricing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Spends credit sources against an amount due, in a deterministic order. */
final class CreditAllocator {

    /** Lowest priority first; among equals the credit that expires soonest (never-expiring last); id breaks ties. */
    static final Comparator<CreditSource> SPEND_ORDER = Comparator
            .comparingInt(CreditSource::priority)
            .thenComparing(CreditSource::expiresAt, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(CreditSource::id, Comparator.nullsLast(Comparator.naturalOrder()));

    private CreditAllocator() {
    }

    static List<CreditUse> allocate(List<CreditSource> sources, BigDecimal due, Instant at, CurrencyRounding money) {
        List<CreditSource> ordered = new ArrayList<>(sources);
        ordered.sort(SPEND_ORDER);
        List<CreditUse> uses = new ArrayList<>();
        BigDecimal left = due;
        for (CreditSource s : ordered) {
            if (left.signum() <= 0) {
                break;
            }
            if (s.remaining() == null || expired(s, at)) {
                continue;
            }
            BigDecimal available = money.floor(s.remaining());
            if (available.signum() <= 0) {
                continue;
            }
            BigDecimal use = available.min(left);
            uses.add(new CreditUse(s.id(), use));
            left = left.subtract(use);
        }
        return uses;
    }

    private static boolean expired(CreditSource s, Instant at) {
        if (s.expiresAt() == null) {
            return false;
        }
        if (at == null) {
            // Guessing "now" would make quotes depend on the wall clock; the caller must say when it prices.
            throw new IllegalArgumentException("at is required to apply expiring credit " + s.id());
        }
        return !s.expiresAt().isAfter(at);
    }
}
