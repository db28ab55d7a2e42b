package dev.apimon.key.subscriptions.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.key.messaging.CloudEventIds;
import dev.apimon.key.messaging.PoisonMessage;
import dev.apimon.key.subscriptions.domain.PaymentEvent;
import dev.apimon.key.subscriptions.domain.SubscriptionService;
import dev.apimon.platform.db.messaging.RetryInPlace;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Dunning from {@code billing.payments} (CloudEvents keyed by customer id). Payload:
 * {@code {customer_id, invoice_id, status: succeeded|failed, attempt, final_attempt, next_attempt_at, at}}; the type
 * ({@code com.apimon.payment.succeeded|failed}) decides, {@code status} is the fallback. Applied once per ce_id
 * (inbox row in the effect's transaction, so a retry or a redelivery changes nothing); poison records go to
 * {@code apimon.dead-letter} (failure-strategy {@code dead-letter-poison}). A database failure is retried in place
 * ({@link RetryInPlace}) for as long as it lasts: a final failed payment is never dead-lettered, and its suspension
 * never skipped, because the database was away.
 */
@Singleton
public class PaymentConsumer {
    private static final Logger LOG = Logger.getLogger(PaymentConsumer.class);
    private final SubscriptionService subscriptions;
    private final ObjectMapper json;
    private final RetryInPlace retry;

    public PaymentConsumer(SubscriptionService subscriptions, ObjectMapper json, RetryInPlace retry) {
        this.subscriptions = subscriptions;
        this.json = json;
        this.retry = retry;
    }

    @Incoming("billing-payments")
    @Blocking(ordered = true)
    public CompletionStage<Void> onPayment(Message<String> msg) {
        CloudEventIds.Attributes ce = CloudEventIds.of(msg);
        try {
            PaymentEvent e = parse(ce, msg.getPayload());
            retry.run("billing.payments " + e.eventId(), () -> subscriptions.applyPayment(e));
            return msg.ack();
        } catch (Exception e) {
            LOG.warnf("billing.payments record %s (offset %d) rejected: %s", ce.key(), ce.offset(), e.getMessage());
            return msg.nack(e);
        }
    }

    PaymentEvent parse(CloudEventIds.Attributes ce, String value) {
        if (ce.id() == null || ce.id().isBlank()) {
            throw new PoisonMessage("ce_id is missing: the event cannot be deduplicated");
        }
        if (value == null || value.isBlank()) {
            throw new PoisonMessage("empty payment event");
        }
        JsonNode n;
        try {
            n = json.readTree(value);
        } catch (IOException e) {
            throw new PoisonMessage("payment event is not JSON");
        }
        if (n == null || !n.isObject()) {
            throw new PoisonMessage("payment event is not a JSON object");
        }
        String customer = text(n, "customer_id");
        if (customer == null || customer.isBlank()) {
            throw new PoisonMessage("customer_id is required");
        }
        if (ce.key() != null && !ce.key().equals(customer)) {
            throw new PoisonMessage("record key " + ce.key() + " does not match customer_id " + customer);
        }
        String type = ce.type() != null && ce.type().startsWith("com.apimon.payment.")
                ? ce.type().substring("com.apimon.payment.".length()) : text(n, "status");
        if (!PaymentEvent.SUCCEEDED.equals(type) && !PaymentEvent.FAILED.equals(type)) {
            throw new PoisonMessage("unknown payment event type " + (ce.type() != null ? ce.type() : type));
        }
        JsonNode fin = n.hasNonNull("final_attempt") ? n.get("final_attempt") : n.get("final"); // invoice-service sends both
        if (fin != null && !fin.isNull() && !fin.isBoolean()) {
            throw new PoisonMessage("final_attempt must be a boolean");
        }
        JsonNode attempt = n.get("attempt");
        Instant at = null;
        String atText = text(n, "at");
        if (atText != null) {
            try {
                at = Instant.parse(atText);
            } catch (DateTimeParseException e) {
                throw new PoisonMessage("at is not an RFC 3339 time");
            }
        }
        return new PaymentEvent(ce.id(), type, customer, text(n, "invoice_id"),
                attempt != null && attempt.canConvertToInt() ? attempt.asInt() : null, fin != null && fin.asBoolean(), at);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
