package dev.apimon.rating.alerts.domain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.platform.outbox.Outbox;
import dev.apimon.rating.alerts.messaging.AlertEvent;
import dev.apimon.rating.alerts.store.AlertStore;
import dev.apimon.rating.pricing.CurrencyRounding;
import dev.apimon.rating.spend.domain.SpendSnapshot;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Checks a freshly rated spend snapshot against the customer's thresholds and queues each newly crossed one to
 * {@code billing.alerts}, in the transaction that refreshed the spend: an alert is sent exactly when its crossing is
 * committed, and the (customer, period, kind, threshold) key keeps it to once per period.
 */
@Singleton
public class SpendAlerts {
    private final AlertStore store;
    private final Outbox outbox;
    private final ObjectMapper json;
    private final BigDecimal creditsLowFraction;

    public SpendAlerts(AlertStore store, Outbox outbox, ObjectMapper json,
                       @ConfigProperty(name = "apimon.alerts.credits-low-fraction", defaultValue = "0.10") BigDecimal creditsLowFraction) {
        this.store = store;
        this.outbox = outbox;
        this.json = json;
        this.creditsLowFraction = creditsLowFraction;
    }

    public BigDecimal creditsLowFraction() {
        return creditsLowFraction;
    }

    public int evaluate(Connection tx, SpendSnapshot s) throws SQLException {
        AlertSettings settings = store.settings(tx, s.customerId()).map(AlertStore.StoredSettings::settings).orElse(AlertSettings.none());
        AlertStore.CreditFacts credits = store.creditFacts(tx, s.customerId(), s.currency(), s.updatedAt());
        var facts = new AlertRules.Facts(s.total(), credits.hasCredits(), s.creditsRemaining(), credits.granted());
        int sent = 0;
        for (AlertRules.Crossing x : AlertRules.crossings(settings, facts, creditsLowFraction)) {
            String type = AlertRules.CREDITS_LOW.equals(x.kind()) ? AlertEvent.CREDITS_LOW : AlertEvent.SPEND_THRESHOLD;
            AlertEvent event = new AlertEvent(s.customerId(), x.kind(), null, x.thresholdPercent(),
                    CurrencyRounding.display(x.used(), s.currency()), CurrencyRounding.display(x.limit(), s.currency()), s.currency(),
                    s.periodStart(), s.periodEnd(), s.updatedAt());
            if (store.record(tx, s.customerId(), s.periodStart(), x.kind(), x.threshold(), type, write(event), s.updatedAt())) {
                outbox.append(tx, AlertEvent.TOPIC, s.customerId(), type, s.customerId(), event);
                sent++;
            }
        }
        return sent;
    }

    private String write(AlertEvent e) {
        try {
            return json.writeValueAsString(e);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
