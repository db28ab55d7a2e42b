package dev.apimon.rating.spend.messaging;

import dev.apimon.platform.outbox.Outbox;
import dev.apimon.rating.alerts.domain.SpendAlerts;
import dev.apimon.rating.spend.domain.SpendCalculator;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;

/**
 * Recomputes a customer's spend and queues the {@code billing.spend} snapshot in the caller's transaction, together
 * with any spend or credit alert the new figures cross (billing.alerts): both or neither commit.
 */
@Singleton
public class SpendPublisher {
    public static final String TOPIC = "billing.spend";
    private final SpendCalculator calculator;
    private final SpendAlerts alerts;
    private final Outbox outbox;
    private final Clock clock;

    public SpendPublisher(SpendCalculator calculator, SpendAlerts alerts, Outbox outbox, Clock clock) {
        this.calculator = calculator;
        this.alerts = alerts;
        this.outbox = outbox;
        this.clock = clock;
    }

    public void refresh(Connection tx, String customerId) throws SQLException {
        var snapshot = calculator.rate(tx, customerId, clock.instant());
        if (snapshot.isPresent()) {
            outbox.append(tx, TOPIC, customerId, "com.apimon.spend.updated", customerId, snapshot.get());
            alerts.evaluate(tx, snapshot.get());
        }
    }

    public void flushSoon() {
        outbox.flushSoon();
    }
}
