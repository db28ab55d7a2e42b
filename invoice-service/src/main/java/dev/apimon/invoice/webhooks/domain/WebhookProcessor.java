package dev.apimon.invoice.webhooks.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.model.Event;
import com.stripe.net.Webhook;
import dev.apimon.invoice.credits.domain.CreditReversals;
import dev.apimon.invoice.dunning.domain.DunningService;
import dev.apimon.invoice.invoices.domain.Invoice;
import dev.apimon.invoice.invoices.domain.InvoiceEvents;
import dev.apimon.invoice.invoices.store.AdjustmentStore;
import dev.apimon.invoice.invoices.store.InvoiceStore;
import dev.apimon.invoice.stripe.domain.StripeConfig;
import dev.apimon.invoice.stripe.store.StripeSyncStore;
import dev.apimon.invoice.webhooks.store.WebhookStore;
import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.problem.ProblemException;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Stripe webhooks: the signature is verified first ({@code Stripe-Signature}, secret {@code STRIPE_WEBHOOK_SECRET},
 * timestamps older than the tolerance are replays and rejected); then the event id goes into the inbox and its effect
 * is applied in the same transaction — a redelivered or replayed event changes nothing.
 */
@Singleton
public class WebhookProcessor {
    private static final Logger LOG = Logger.getLogger(WebhookProcessor.class);

    private final AgroalDataSource db;
    private final WebhookStore inbox;
    private final InvoiceStore invoices;
    private final AdjustmentStore adjustments;
    private final StripeSyncStore sync;
    private final InvoiceEvents invoiceEvents;
    private final DunningService dunning;
    private final CreditReversals creditReversals;
    private final StripeConfig config;
    private final ObjectMapper json;
    private final Clock clock;

    public WebhookProcessor(AgroalDataSource db, WebhookStore inbox, InvoiceStore invoices, AdjustmentStore adjustments, StripeSyncStore sync,
                            InvoiceEvents invoiceEvents, DunningService dunning, CreditReversals creditReversals, StripeConfig config,
                            ObjectMapper json, Clock clock) {
        this.db = db;
        this.inbox = inbox;
        this.invoices = invoices;
        this.adjustments = adjustments;
        this.sync = sync;
        this.invoiceEvents = invoiceEvents;
        this.dunning = dunning;
        this.creditReversals = creditReversals;
        this.config = config;
        this.json = json;
        this.clock = clock;
    }

    public record Receipt(String eventId, String type, boolean duplicate, String outcome) {
    }

    public Receipt receive(String payload, String signature) throws SQLException {
        String secret = config.webhookSecret().orElseThrow(() -> ProblemException.unavailable("WEBHOOKS_DISABLED",
                "Stripe webhooks are disabled: STRIPE_WEBHOOK_SECRET is not configured"));
        if (signature == null || signature.isBlank()) {
            throw signatureProblem("the Stripe-Signature header is missing");
        }
        Event event;
        try {
            event = Webhook.constructEvent(payload, signature, secret, config.webhookTolerance().toSeconds(), clock);
        } catch (SignatureVerificationException e) {
            throw signatureProblem(e.getMessage());
        } catch (RuntimeException e) {
            throw ProblemException.invalid("body", "not a Stripe event: " + e.getClass().getSimpleName());
        }
        JsonNode object;
        try {
            object = json.readTree(payload).path("data").path("object");
        } catch (IOException e) {
            throw ProblemException.invalid("body", "not JSON");
        }
        String eventId = event.getId();
        String type = event.getType();
        if (eventId == null || type == null) {
            throw ProblemException.invalid("body", "a Stripe event has an id and a type");
        }
        String stripeInvoiceId = "invoice".equals(object.path("object").asText()) ? text(object, "id") : null;
        Instant at = event.getCreated() == null ? clock.instant() : Instant.ofEpochSecond(event.getCreated());
        Receipt[] out = new Receipt[1];
        Transactions.run(db, c -> {
            if (!inbox.firstDelivery(c, eventId, type, stripeInvoiceId, payload, clock.instant())) {
                out[0] = new Receipt(eventId, type, true, "duplicate");
                return;
            }
            Optional<Invoice> inv = stripeInvoiceId == null ? Optional.empty() : ours(c, object, stripeInvoiceId);
            String outcome;
            if (stripeInvoiceId == null) {
                outcome = "ignored: not an invoice event";
            } else if (inv.isEmpty()) {
                outcome = "ignored: no apimon invoice for " + stripeInvoiceId;
            } else {
                outcome = apply(c, type, inv.get(), at);
            }
            inbox.outcome(c, eventId, inv.map(Invoice::id).orElse(null), outcome);
            out[0] = new Receipt(eventId, type, false, outcome);
        });
        invoiceEvents.flushSoon();
        LOG.infof("Stripe event %s (%s): %s", eventId, type, out[0].outcome());
        return out[0];
    }

    private String apply(Connection c, String type, Invoice found, Instant at) throws SQLException {
        Invoice inv = invoices.find(c, found.id(), true).orElseThrow();
        switch (type) {
            case "invoice.paid" -> {
                if (!inv.isOpen()) {
                    return "ignored: invoice is " + inv.status();
                }
                invoices.markPaid(c, inv.id(), at);
                invoiceEvents.publish(c, inv, "paid", Invoice.PAID, inv.number(), inv.total());
                dunning.paid(c, inv, at);
                return "paid";
            }
            case "invoice.payment_failed" -> {
                if (!inv.isOpen()) {
                    return "ignored: invoice is " + inv.status();
                }
                var d = dunning.paymentFailed(c, inv, at);
                return "payment failed (attempt " + d.failures() + (d.nextRetryAt() == null ? ", final)" : ", retry at " + d.nextRetryAt() + ")");
            }
            case "invoice.voided" -> {
                if (!inv.isOpen()) {
                    return "ignored: invoice is " + inv.status();
                }
                invoices.markVoid(c, inv.id(), "voided in Stripe", at);
                adjustments.release(c, inv.id());
                creditReversals.voided(c, inv, at);
                invoiceEvents.publish(c, inv, "voided", Invoice.VOID, inv.number(), inv.total());
                dunning.closed(c, inv);
                return "voided";
            }
            case "invoice.marked_uncollectible" -> {
                if (!Invoice.FINALIZED.equals(inv.status())) {
                    return "ignored: invoice is " + inv.status();
                }
                invoices.markUncollectible(c, inv.id(), at);
                dunning.uncollectible(c, inv, at);
                return "uncollectible";
            }
            default -> {
                return "ignored: " + type + " is not handled";
            }
        }
    }

    /** Our invoice: from the metadata we set when creating the Stripe invoice, else by the Stripe id we recorded. */
    private Optional<Invoice> ours(Connection c, JsonNode object, String stripeInvoiceId) throws SQLException {
        String id = text(object.path("metadata"), "apimon_invoice_id");
        if (id == null) {
            id = sync.invoiceOfStripe(c, stripeInvoiceId).orElse(null);
        }
        return id == null ? Optional.empty() : invoices.find(c, id, false);
    }

    private static ProblemException signatureProblem(String detail) {
        return new ProblemException(400, "INVALID_SIGNATURE", "Invalid webhook signature", detail,
                java.util.List.of(new dev.apimon.platform.problem.FieldError("Stripe-Signature", detail)));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.isMissingNode() ? null : v.asText();
    }
}
