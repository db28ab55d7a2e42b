package dev.apimon.rating.credits.domain;

import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.problem.ProblemException;
import dev.apimon.rating.credits.store.CreditStore;
import dev.apimon.rating.pricing.CurrencyRounding;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Credit grants and prepaid wallets. Credits are spent in a fixed order — priority (lower first), then earliest
 * expiry, then oldest — the same order the pricing engine uses, so a preview and the invoice agree. Every balance
 * change is a ledger entry written in the same transaction.
 */
@Singleton
public class CreditService {
    private static final SecureRandom RANDOM = new SecureRandom();
    public static final Comparator<CreditSourceView> SPEND_ORDER = Comparator.comparingInt(CreditSourceView::priority)
            .thenComparing(CreditSourceView::expiresAt, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(CreditSourceView::createdAt).thenComparing(CreditSourceView::id);

    private final AgroalDataSource db;
    private final CreditStore store;
    private final Clock clock;

    public CreditService(AgroalDataSource db, CreditStore store, Clock clock) {
        this.db = db;
        this.store = store;
        this.clock = clock;
    }

    public record Use(String sourceId, BigDecimal amount) {
    }

    public record Consumption(String customerId, String reference, String currency, BigDecimal requested, BigDecimal consumed, List<Use> uses) {
    }

    /** What a reversal gave back: each use restored to its source ({@code expires_at} shows when that source is expired). */
    public record Reversal(String customerId, String reference, String currency, BigDecimal consumed, BigDecimal restored,
                           List<Restored> uses, Instant reversedAt) {
    }

    public record Restored(String sourceId, BigDecimal amount, Instant expiresAt) {
    }

    public CreditSourceView grant(String customerId, NewCredit in, String idempotencyKey) throws SQLException {
        CreditSourceView[] out = new CreditSourceView[1];
        Transactions.run(db, c -> {
            if (idempotencyKey != null) {
                var previous = store.byIdempotencyKey(c, customerId, idempotencyKey);
                if (previous.isPresent()) {
                    out[0] = previous.get(); // a repeated request returns the first result
                    return;
                }
            }
            Instant now = clock.instant();
            CreditSourceView s = new CreditSourceView(newId(), customerId, in.kind(), in.currency(), in.amount(), in.amount(),
                    in.priority(), in.expiresAt(), in.description(), now);
            store.insertSource(c, s, idempotencyKey);
            store.ledger(c, customerId, s.id(), in.amount(), in.amount(), in.kind().equals("prepaid") ? "top_up" : "granted",
                    idempotencyKey, now);
            out[0] = s;
        });
        return out[0];
    }

    /**
     * Burns {@code amount} of credits; idempotent per {@code reference} (e.g. the invoice id): the first request is
     * recorded — also when it found nothing to burn — and every repeat answers it.
     */
    public Consumption consume(String customerId, String currency, BigDecimal amount, String reference) throws SQLException {
        if (amount.signum() < 0) {
            throw ProblemException.invalid("amount", "must not be negative");
        }
        Consumption[] out = new Consumption[1];
        Transactions.run(db, c -> {
            List<CreditSourceView> sources = store.sources(c, customerId, true); // locks: concurrent consumptions serialize
            var already = store.consumption(c, customerId, reference);
            if (already.isPresent()) {
                List<Use> uses = store.entriesFor(c, customerId, "consumed", reference).stream()
                        .map(e -> new Use(e.sourceId(), e.delta().negate())).toList();
                String cur = already.get().currency();
                out[0] = new Consumption(customerId, reference, cur, CurrencyRounding.display(already.get().requested(), cur),
                        CurrencyRounding.display(already.get().consumed(), cur), uses);
                return;
            }
            Instant now = clock.instant();
            BigDecimal left = amount;
            List<Use> uses = new ArrayList<>();
            for (CreditSourceView s : usable(sources, currency, now)) {
                if (left.signum() == 0) {
                    break;
                }
                BigDecimal take = s.remaining().min(left);
                BigDecimal after = s.remaining().subtract(take);
                store.changeRemaining(c, s.id(), after);
                store.ledger(c, customerId, s.id(), take.negate(), after, "consumed", reference, now);
                uses.add(new Use(s.id(), CurrencyRounding.display(take, currency)));
                left = left.subtract(take);
            }
            BigDecimal consumed = amount.subtract(left);
            store.insertConsumption(c, customerId, reference, currency, amount, consumed, now);
            out[0] = new Consumption(customerId, reference, currency, amount, CurrencyRounding.display(consumed, currency), uses);
        });
        return out[0];
    }

    /**
     * Gives back exactly what {@code reference} consumed, to the sources it came from, as new ledger rows ("reversed");
     * once per reference — a repeat answers the first reversal. A source that has expired meanwhile gets its credit back
     * still expired: the customer ends where it would be had the invoice never burnt it. Unknown reference: 404.
     */
    public Reversal reverse(String customerId, String reference) throws SQLException {
        Reversal[] out = new Reversal[1];
        Transactions.run(db, c -> {
            Map<String, CreditSourceView> sources = new HashMap<>();
            for (CreditSourceView s : store.sources(c, customerId, true)) { // the same locks as consume: they serialize
                sources.put(s.id(), s);
            }
            CreditStore.Consumed consumed = store.consumption(c, customerId, reference)
                    .orElseThrow(() -> ProblemException.notFound("credit consumption", reference));
            Instant now = clock.instant();
            Instant reversedAt = consumed.reversedAt();
            if (reversedAt == null && store.markReversed(c, customerId, reference, now)) {
                reversedAt = now;
                for (LedgerEntry e : store.entriesFor(c, customerId, "consumed", reference)) {
                    CreditSourceView s = sources.get(e.sourceId());
                    BigDecimal after = s.remaining().add(e.delta().negate());
                    store.changeRemaining(c, s.id(), after);
                    store.ledger(c, customerId, s.id(), e.delta().negate(), after, "reversed", reference, now);
                    sources.put(s.id(), withRemaining(s, after));
                }
            }
            String currency = consumed.currency();
            List<Restored> uses = store.entriesFor(c, customerId, "reversed", reference).stream()
                    .map(e -> new Restored(e.sourceId(), e.delta(), sources.get(e.sourceId()).expiresAt())).toList();
            BigDecimal restored = uses.stream().map(Restored::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
            out[0] = new Reversal(customerId, reference, currency, CurrencyRounding.display(consumed.consumed(), currency),
                    CurrencyRounding.display(restored, currency), uses, reversedAt);
        });
        return out[0];
    }

    private static CreditSourceView withRemaining(CreditSourceView s, BigDecimal remaining) {
        return new CreditSourceView(s.id(), s.customerId(), s.kind(), s.currency(), s.amount(), remaining, s.priority(), s.expiresAt(),
                s.description(), s.createdAt());
    }

    public List<CreditSourceView> sources(String customerId) throws SQLException {
        try (Connection c = db.getConnection()) {
            return store.sources(c, customerId, false);
        }
    }

    /** Sources that can pay now in this currency, in spend order. */
    public List<CreditSourceView> usable(String customerId, String currency) throws SQLException {
        return usable(sources(customerId), currency, clock.instant());
    }

    /** Sources that could pay at {@code at} in this currency, with their balances as of then, in spend order. */
    public List<CreditSourceView> usableAt(String customerId, String currency, Instant at) throws SQLException {
        try (Connection c = db.getConnection()) {
            return usableAt(c, customerId, currency, at);
        }
    }

    /** The same, read in the caller's transaction (a spend refresh sees the period grant it has just written). */
    public List<CreditSourceView> usableAt(Connection c, String customerId, String currency, Instant at) throws SQLException {
        return usable(store.sourcesAsOf(c, customerId, at), currency, at);
    }

    /** The balance of these sources (e.g. what {@link #usableAt} answered), shown at the currency's minor units. */
    public static BigDecimal balance(List<CreditSourceView> sources, String currency) {
        BigDecimal sum = BigDecimal.ZERO;
        for (CreditSourceView s : sources) {
            sum = sum.add(s.remaining());
        }
        return CurrencyRounding.display(sum, currency);
    }

    /** Remaining, unexpired balance per currency. */
    public Map<String, BigDecimal> balances(String customerId) throws SQLException {
        Instant now = clock.instant();
        Map<String, BigDecimal> out = new TreeMap<>();
        for (CreditSourceView s : sources(customerId)) {
            if (s.expiresAt() == null || s.expiresAt().isAfter(now)) {
                out.merge(s.currency(), s.remaining(), BigDecimal::add);
            }
        }
        out.replaceAll((currency, amount) -> CurrencyRounding.display(amount, currency));
        return out;
    }

    public List<LedgerEntry> ledger(String customerId, long afterSeq, int limit) throws SQLException {
        try (Connection c = db.getConnection()) {
            return store.ledgerPage(c, customerId, afterSeq, limit);
        }
    }

    private static List<CreditSourceView> usable(List<CreditSourceView> sources, String currency, Instant now) {
        return sources.stream()
                .filter(s -> s.currency().equals(currency) && s.remaining().signum() > 0
                        && (s.expiresAt() == null || s.expiresAt().isAfter(now)))
                .sorted(SPEND_ORDER).toList();
    }

    static String newId() {
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        StringBuilder sb = new StringBuilder("cred_");
        for (int i = 0; i < 20; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
