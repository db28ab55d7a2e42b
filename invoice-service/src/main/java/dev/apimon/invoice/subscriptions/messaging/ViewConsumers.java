package dev.apimon.invoice.subscriptions.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.invoice.subscriptions.domain.Subscription.PlanChange;
import dev.apimon.invoice.subscriptions.domain.Subscription.PlanRef;
import dev.apimon.invoice.subscriptions.store.CustomerStore;
import dev.apimon.invoice.subscriptions.store.SubscriptionStore;
import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.db.messaging.RetryInPlace;
import dev.apimon.platform.outbox.Inbox;
import io.agroal.api.AgroalDataSource;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * invoice-service's view of key-service's subscriptions and customers (compacted snapshot topics). Each event is
 * applied once (inbox, same transaction), so a retry after a failed — or committed but unanswered — attempt, or a
 * redelivery, changes nothing. Only poison (a record that cannot be read, or a write PostgreSQL refuses for its
 * content: {@code Poison.suspect}) is thrown back to the connector, whose {@code dead-letter-poison} strategy sends it
 * to {@code apimon.dead-letter} instead of stopping the consumer. A failure of the database is retried in place
 * ({@link RetryInPlace}) for as long as it lasts: a good event is never dead-lettered for it, and never skipped.
 */
@Singleton
public class ViewConsumers {
    static final String SUBSCRIPTIONS = "invoice-subscriptions";
    static final String CUSTOMERS = "invoice-customers";

    private final AgroalDataSource db;
    private final SubscriptionStore subscriptions;
    private final CustomerStore customers;
    private final ObjectMapper json;
    private final RetryInPlace retry;

    public ViewConsumers(AgroalDataSource db, SubscriptionStore subscriptions, CustomerStore customers, ObjectMapper json,
                         RetryInPlace retry) {
        this.db = db;
        this.subscriptions = subscriptions;
        this.customers = customers;
        this.json = json;
        this.retry = retry;
    }

    @Incoming("subscriptions")
    @Blocking(ordered = true)
    public void onSubscription(ConsumerRecord<String, String> r) throws Exception {
        JsonNode s = parse(r);
        String customerId = required(s, "customer_id");
        JsonNode plan = s.get("plan");
        if (plan == null || text(plan, "code") == null || !plan.path("version").canConvertToInt()) {
            throw new IllegalArgumentException("subscription snapshot without plan {code, version}");
        }
        String status = text(s, "status") == null ? "active" : text(s, "status");
        Instant anchor = instant(s, "period_anchor", true);
        Instant changedAt = instant(s, "changed_at", false);
        PlanRef scheduledPlan = null;
        Instant scheduledAt = null;
        JsonNode sc = s.get("scheduled_change");
        if (sc != null && !sc.isNull()) {
            JsonNode sp = sc.get("plan");
            if (sp == null || text(sp, "code") == null || !sp.path("version").canConvertToInt()) {
                throw new IllegalArgumentException("scheduled_change without plan {code, version}");
            }
            scheduledPlan = new PlanRef(sp.get("code").asText(), sp.get("version").asInt());
            scheduledAt = instant(sc, "at", true);
        }
        var snapshot = new SubscriptionStore.Snapshot(text(s, "subscription_id") == null ? customerId : text(s, "subscription_id"),
                customerId, new PlanRef(plan.get("code").asText(), plan.get("version").asInt()), status, anchor,
                instant(s, "current_period_start", false), instant(s, "current_period_end", false),
                s.path("cancel_at_period_end").asBoolean(false), scheduledPlan, scheduledAt, changedAt);
        String eventId = CloudEvents.id(r);
        Instant eventTime = CloudEvents.time(r);
        retry.run("subscription event " + eventId, () -> Transactions.run(db, c -> {
            if (!Inbox.firstDelivery(c, SUBSCRIPTIONS, eventId)) {
                return;
            }
            List<PlanChange> history = subscriptions.history(c, snapshot.subscriptionId());
            PlanChange last = history.isEmpty() ? null : history.get(history.size() - 1);
            if (last == null || !last.plan().equals(snapshot.plan())) {
                // the first plan applies from the anchor (also when the subscription was backdated)
                Instant at = last == null ? anchor : (changedAt != null ? changedAt : eventTime);
                subscriptions.appendHistory(c, snapshot.subscriptionId(), eventId, new PlanChange(at, snapshot.plan()));
            }
            subscriptions.upsert(c, snapshot, r.value(), eventTime);
        }));
    }

    @Incoming("customers")
    @Blocking(ordered = true)
    public void onCustomer(ConsumerRecord<String, String> r) throws Exception {
        JsonNode cu = parse(r);
        String id = required(cu, "id");
        JsonNode attributes = cu.get("attributes");
        String region = attributes == null ? null : text(attributes, "region");
        String linked = attributes == null ? null : text(attributes, "stripe_customer_id");
        String eventId = CloudEvents.id(r);
        Instant at = CloudEvents.time(r);
        retry.run("customer event " + eventId, () -> Transactions.run(db, c -> {
            if (!Inbox.firstDelivery(c, CUSTOMERS, eventId)) {
                return;
            }
            customers.upsert(c, id, text(cu, "name"), text(cu, "email"), text(cu, "currency"),
                    region == null ? null : region.toUpperCase(java.util.Locale.ROOT), text(cu, "status") == null ? "active" : text(cu, "status"),
                    attributes == null || !attributes.isObject() ? "{}" : attributes.toString(), linked, at);
        }));
    }

    private JsonNode parse(ConsumerRecord<String, String> r) {
        if (r.value() == null || r.value().isBlank()) {
            throw new IllegalArgumentException("empty record");
        }
        try {
            JsonNode n = json.readTree(r.value());
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("payload is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException("payload is not JSON: " + e.getMessage());
        }
    }

    private static String required(JsonNode n, String field) {
        String v = text(n, field);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(field + " is required");
        }
        return v;
    }

    private static Instant instant(JsonNode n, String field, boolean required) {
        String v = text(n, field);
        if (v == null) {
            if (required) {
                throw new IllegalArgumentException(field + " is required");
            }
            return null;
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(field + " is not an RFC 3339 UTC time: " + v);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
