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

    /** Burns {@code amount} of credits; idempotent per {@code reference} (e.g. the invoice id). */
    public Consumption consume(String customerId, String currency, BigDecimal amount, String reference) throws SQLException {
        if (amount.signum() < 0) {
            throw ProblemException.invalid("amount", "must not be negative");
        }
        Consumption[] out = new Consumption[1];
        Transactions.run(db, c -> {
            List<CreditSourceView> sources = store.sources(c, customerId, true); // locks: concurrent consumptions serialize
            var already = store.consumedFor(c, customerId, reference);
            if (!already.isEmpty()) {
                List<Use> uses = already.stream().map(e -> new Use(e.sourceId(), e.delta().negate())).toList();
                BigDecimal total = uses.stream().map(Use::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
                out[0] = new Consumption(customerId, reference, currency, amount, CurrencyRounding.display(total, currency), uses);
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
            out[0] = new Consumption(customerId, reference, currency, amount, CurrencyRounding.display(amount.subtract(left), currency), uses);
        });
        return out[0];
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
            return usable(store.sourcesAsOf(c, customerId, at), currency, at);
        }
    }

    /** Unexpired balance in one currency as of {@code at} (before anything that instant's rating would apply). */
    public BigDecimal balanceAt(String customerId, String currency, Instant at) throws SQLException {
        BigDecimal sum = BigDecimal.ZERO;
        for (CreditSourceView s : usableAt(customerId, currency, at)) {
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

    private static String newId() {
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        StringBuilder sb = new StringBuilder("cred_");
        for (int i = 0; i < 20; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
