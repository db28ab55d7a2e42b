package dev.apimon.rating.spend.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.platform.db.Poison;
import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.db.messaging.RetryInPlace;
import dev.apimon.platform.outbox.Inbox;
import dev.apimon.rating.spend.store.SpendStore;
import io.agroal.api.AgroalDataSource;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Keeps rating's view of subscriptions, customers and hourly usage, and republishes the affected customers'
 * spend in the same transaction. Subscription events are deduplicated through the inbox, customer snapshots are
 * upserted as they are; usage buckets keep their highest version — so a retry or a redelivery changes nothing. Only
 * poison is dead-lettered (single records: thrown to the connector's {@code dead-letter-poison} strategy; batches:
 * by hand), so the consumer never stops on it; a failure of the database (or of Kafka, for a dead letter) is retried
 * in place ({@link RetryInPlace}): a good event is never dead-lettered for it, and never skipped.
 */
@Singleton
public class ViewConsumers {
    private static final Logger LOG = Logger.getLogger(ViewConsumers.class);
    private final AgroalDataSource db;
    private final SpendStore store;
    private final SpendPublisher spend;
    private final DeadLetters deadLetters;
    private final RetryInPlace retry;
    private final ObjectMapper json;

    public ViewConsumers(AgroalDataSource db, SpendStore store, SpendPublisher spend, DeadLetters deadLetters, RetryInPlace retry,
                         ObjectMapper json) {
        this.db = db;
        this.store = store;
        this.spend = spend;
        this.deadLetters = deadLetters;
        this.retry = retry;
        this.json = json;
    }

    @Incoming("subscriptions")
    @Blocking(ordered = true)
    public void onSubscription(ConsumerRecord<String, String> r) throws Exception {
        JsonNode s = json.readTree(r.value());
        String customerId = text(s, "customer_id");
        JsonNode plan = s.get("plan");
        if (plan == null || text(plan, "code") == null || !plan.path("version").canConvertToInt()) {
            throw new IllegalArgumentException("subscription snapshot without plan {code, version}");
        }
        String status = Optional.ofNullable(text(s, "status")).orElse("active");
        Instant anchor = Instant.parse(text(s, "period_anchor"));
        Instant effective = s.hasNonNull("changed_at") ? Instant.parse(s.get("changed_at").asText()) : CloudEvents.time(r);
        String eventId = CloudEvents.id(r);
        var sub = new SpendStore.Subscription(customerId, Optional.ofNullable(text(s, "subscription_id")).orElse(customerId),
                plan.get("code").asText(), plan.get("version").asInt(), status, anchor);
        // one transaction with the inbox row: a retry after a failed (even a committed but unacknowledged) attempt
        // applies the event exactly once
        retry.run("subscription event " + eventId, () -> Transactions.run(db, c -> {
            if (!Inbox.firstDelivery(c, "rating-subscriptions", eventId)) {
                return;
            }
            var history = store.history(c, customerId);
            var last = history.isEmpty() ? null : history.get(history.size() - 1);
            if (last == null || !last.planCode().equals(sub.planCode()) || last.planVersion() != sub.planVersion()
                    || !last.status().equals(status)) {
                // the first period starts at the anchor even when the event is published later (backdating)
                Instant at = last == null && anchor.isBefore(effective) ? anchor : effective;
                store.appendHistory(c, customerId, eventId, new SpendStore.HistoryEntry(at, sub.planCode(), sub.planVersion(), status));
            }
            store.upsertSubscription(c, sub, r.value(), effective);
            refreshOnItsOwn(c, customerId);
        }));
        spend.flushSoon();
    }

    @Incoming("customers")
    @Blocking(ordered = true)
    public void onCustomer(ConsumerRecord<String, String> r) throws Exception {
        JsonNode cu = json.readTree(r.value());
        String id = text(cu, "id");
        String currency = text(cu, "currency");
        if (id == null || currency == null) {
            throw new IllegalArgumentException("customer snapshot without id or currency");
        }
        String status = Optional.ofNullable(text(cu, "status")).orElse("active");
        String attributes = cu.has("attributes") ? cu.get("attributes").toString() : "{}";
        Instant at = CloudEvents.time(r);
        // a snapshot upsert: applying it again (a retry after an unacknowledged commit) leaves the same row
        retry.run("customer event " + CloudEvents.id(r), () -> Transactions.run(db, c -> store.upsertCustomer(c, id, currency, status,
                attributes, at)));
    }

    /** One hourly bucket of usage.aggregates, with the record it came from (for its dead letter). */
    private record Bucket(ConsumerRecord<String, String> record, String customerId, String meter, Instant windowStart,
                          String groupKey, String env, String aggregation, BigDecimal value, long version) {
    }

    @Incoming("aggregates")
    @Blocking(ordered = true)
    public void onAggregates(ConsumerRecords<String, String> batch) throws Exception {
        List<Bucket> buckets = new ArrayList<>();
        for (ConsumerRecord<String, String> r : batch) {
            try {
                JsonNode a = json.readTree(r.value());
                String customer = text(a, "customer_id");
                String meter = text(a, "meter");
                if (customer == null || meter == null || !a.hasNonNull("value") || !a.hasNonNull("window_start")) {
                    throw new IllegalArgumentException("aggregate without customer_id, meter, window_start or value");
                }
                buckets.add(new Bucket(r, customer, meter, Instant.parse(a.get("window_start").asText()),
                        a.has("group") ? canonical(a.get("group")) : "{}",
                        Optional.ofNullable(text(a, "env")).orElse("live"), Optional.ofNullable(text(a, "aggregation")).orElse("sum"),
                        // "events": 0 - corrections left the hour empty: no reading, not a reading of 0
                        a.path("events").asLong(1) == 0 ? null : new BigDecimal(a.get("value").asText()), a.path("version").asLong(0)));
            } catch (Exception e) {
                String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
                retry.run("dead letter " + r.topic() + "/" + r.partition() + "/" + r.offset(), () -> deadLetters.send(r, reason));
            }
        }
        if (buckets.isEmpty()) {
            return;
        }
        try {
            // retried here: rethrown, a failure closes a batch channel's consumer (failure-strategy "fail") until a restart
            retry.run("usage.aggregates batch of " + buckets.size(), () -> apply(buckets));
        } catch (SQLException | RuntimeException e) {
            if (!Poison.suspect(e)) {
                throw e; // given up while the service stops: uncommitted, the next consumer reads the batch again
            }
            // One bucket rating cannot store (a value beyond NUMERIC(38,12)) or one customer whose spend cannot be
            // computed must not stop everyone's live spend: apply the buckets one by one, each customer's spend on its own
            LOG.warnf("usage.aggregates: %s in a batch of %d; applying its buckets one by one", e, buckets.size());
            for (Bucket b : buckets) {
                String at = b.record().topic() + "/" + b.record().partition() + "/" + b.record().offset();
                try {
                    retry.run("usage bucket " + at, () -> Transactions.run(db, c -> {
                        store.upsertHour(c, b.customerId(), b.meter(), b.windowStart(), b.groupKey(), b.env(), b.aggregation(),
                                b.value(), b.version());
                        refreshOnItsOwn(c, b.customerId());
                    }));
                } catch (SQLException | RuntimeException single) {
                    if (!Poison.suspect(single)) {
                        throw single;
                    }
                    retry.run("dead letter " + at, () -> deadLetters.send(b.record(), "unprocessable: " + single));
                }
            }
        }
        spend.flushSoon();
    }

    /**
     * Republishes the customer's spend; if it cannot be computed (a stored value its prices or ledgers cannot take),
     * only that is undone and logged: the usage hour, or the subscription change, stays stored — it is billable
     * state that rated periods and invoices read — and the customer's next change tries again.
     */
    private void refreshOnItsOwn(Connection c, String customerId) throws SQLException {
        Savepoint before = c.setSavepoint();
        try {
            spend.refresh(c, customerId);
            c.releaseSavepoint(before);
        } catch (SQLException | RuntimeException e) {
            if (!Poison.suspect(e)) {
                throw e;
            }
            c.rollback(before);
            LOG.errorf("the spend of %s could not be computed, its usage and subscription are stored: %s", customerId, e);
        }
    }

    /** Stores the buckets and republishes their customers' spend, in one transaction. */
    private void apply(List<Bucket> buckets) throws SQLException {
        Set<String> customers = new LinkedHashSet<>();
        Transactions.run(db, c -> {
            for (Bucket b : buckets) {
                store.upsertHour(c, b.customerId(), b.meter(), b.windowStart(), b.groupKey(), b.env(), b.aggregation(), b.value(), b.version());
                customers.add(b.customerId());
            }
            for (String customer : customers) {
                spend.refresh(c, customer);
            }
        });
    }

    private String canonical(JsonNode group) throws Exception {
        return json.writeValueAsString(json.treeToValue(group, java.util.TreeMap.class));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
