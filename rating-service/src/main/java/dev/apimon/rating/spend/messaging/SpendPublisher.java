package dev.apimon.rating.spend.messaging;

import dev.apimon.platform.outbox.Outbox;
import dev.apimon.rating.alerts.domain.SpendAlerts;
import dev.apimon.rating.credits.domain.PeriodGrants;
import dev.apimon.rating.spend.domain.SpendCalculator;
import dev.apimon.rating.spend.domain.SpendSnapshot;
import dev.apimon.rating.spend.store.SpendStore;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * Recomputes a customer's spend and queues the {@code billing.spend} snapshot in the caller's transaction, together
 * with any spend or credit alert the new figures cross (billing.alerts): both or neither commit. Before rating, the
 * period's plan credit grant is made if it is missing (same transaction), so the first snapshot of a period already
 * counts it — whichever refresh sees the period first: a subscription event, usage, or the rollover tick.
 */
@Singleton
public class SpendPublisher {
    public static final String TOPIC = "billing.spend";
    private final SpendCalculator calculator;
    private final SpendStore store;
    private final PeriodGrants grants;
    private final SpendAlerts alerts;
    private final Outbox outbox;
    private final Clock clock;

    public SpendPublisher(SpendCalculator calculator, SpendStore store, PeriodGrants grants, SpendAlerts alerts, Outbox outbox, Clock clock) {
        this.calculator = calculator;
        this.store = store;
        this.grants = grants;
        this.alerts = alerts;
        this.outbox = outbox;
        this.clock = clock;
    }

    public void refresh(Connection tx, String customerId) throws SQLException {
        Instant now = clock.instant();
        Optional<SpendCalculator.Term> term = calculator.term(tx, customerId, now);
        if (term.isEmpty()) {
            return;
        }
        SpendStore.Subscription sub = term.get().subscription();
        grants.grant(tx, customerId, sub.status(), term.get().plan(), sub.periodAnchor(), term.get().period());
        SpendSnapshot snapshot = calculator.rate(tx, customerId, term.get(), now);
        outbox.append(tx, TOPIC, customerId, "com.apimon.spend.updated", customerId, snapshot);
        alerts.evaluate(tx, snapshot);
        store.markSpendPeriod(tx, customerId, snapshot.periodEnd());
    }

    public void flushSoon() {
        outbox.flushSoon();
    }
}
