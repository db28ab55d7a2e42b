package dev.apimon.invoice.dunning.messaging;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.apimon.platform.outbox.Outbox;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/**
 * {@code billing.payments} (docs/events.md), keyed by customer id, through the outbox: {@code com.apimon.payment.failed}
 * after each failed attempt ({@code final}/{@code final_attempt} true once dunning gives up — key-service then suspends
 * or downgrades the customer) and {@code com.apimon.payment.succeeded} when a payment leaves the customer in good standing.
 */
@Singleton
public class PaymentEvents {
    public static final String TOPIC = "billing.payments";
    private final Outbox outbox;

    public PaymentEvents(Outbox outbox) {
        this.outbox = outbox;
    }

    /** {@code final} is the brief's name, {@code final_attempt} the one key-service reads; both are sent. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Payload(String customerId, String invoiceId, String status, int attempt, @com.fasterxml.jackson.annotation.JsonProperty("final") boolean isFinal,
                          boolean finalAttempt, Instant nextAttemptAt, Instant at) {
    }

    public void failed(Connection tx, String customerId, String invoiceId, int attempt, boolean last, Instant next, Instant at) throws SQLException {
        outbox.append(tx, TOPIC, customerId, "com.apimon.payment.failed", customerId,
                new Payload(customerId, invoiceId, "failed", attempt, last, last, next, at));
    }

    public void succeeded(Connection tx, String customerId, String invoiceId, int attempt, Instant at) throws SQLException {
        outbox.append(tx, TOPIC, customerId, "com.apimon.payment.succeeded", customerId,
                new Payload(customerId, invoiceId, "succeeded", attempt, false, false, null, at));
    }

    public void flushSoon() {
        outbox.flushSoon();
    }
}
