package dev.apimon.invoice.invoices.domain;

import dev.apimon.platform.outbox.Outbox;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/** {@code billing.invoices} (docs/events.md): finalized, paid, voided — written to the outbox in the caller's transaction. */
@Singleton
public class InvoiceEvents {
    public static final String TOPIC = "billing.invoices";
    private final Outbox outbox;

    public InvoiceEvents(Outbox outbox) {
        this.outbox = outbox;
    }

    public record Payload(String id, String number, String customerId, String status, String currency, Instant periodStart,
                          Instant periodEnd, BigDecimal total) {
    }

    /** {@code event}: finalized, paid or voided; {@code status} is the invoice's status after it. */
    public void publish(Connection tx, Invoice inv, String event, String status, String number, BigDecimal total) throws SQLException {
        outbox.append(tx, TOPIC, inv.customerId(), "com.apimon.invoice." + event, inv.customerId(),
                new Payload(inv.id(), number, inv.customerId(), status, inv.currency(), inv.periodStart(), inv.periodEnd(), total));
    }

    public void flushSoon() {
        outbox.flushSoon();
    }
}
