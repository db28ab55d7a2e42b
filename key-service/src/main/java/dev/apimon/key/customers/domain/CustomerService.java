package dev.apimon.key.customers.domain;

import dev.apimon.key.customers.store.CustomerStore;
import dev.apimon.key.idempotency.store.IdempotencyStore;
import dev.apimon.key.keys.domain.KeyService;
import dev.apimon.key.subscriptions.domain.SubscriptionService;
import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.outbox.Outbox;
import dev.apimon.platform.problem.ProblemException;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Customer lifecycle: each change and its {@code customers.events} event commit together (outbox). */
@Singleton
public class CustomerService {
    public static final String TOPIC = "customers.events";

    private final AgroalDataSource db;
    private final CustomerStore store;
    private final Outbox outbox;
    private final Clock clock;
    private final IdempotencyStore idempotency;
    private final KeyService keys;
    private final SubscriptionService subscriptions;

    public CustomerService(AgroalDataSource db, CustomerStore store, Outbox outbox, Clock clock, IdempotencyStore idempotency,
                           KeyService keys, SubscriptionService subscriptions) {
        this.db = db;
        this.store = store;
        this.outbox = outbox;
        this.clock = clock;
        this.idempotency = idempotency;
        this.keys = keys;
        this.subscriptions = subscriptions;
    }

    /** A created customer, or the stored first result of an idempotent repeat. */
    public record Created(Customer customer, IdempotencyStore.Stored replay) {
    }

    public Customer create(NewCustomer in) throws SQLException {
        return create(in, null, null).customer();
    }

    public Created create(NewCustomer in, IdempotencyStore.Request idem) throws SQLException {
        return create(in, null, idem);
    }

    /** {@code requestedId} null: a generated id; else that id, or 409 when it is taken. */
    public Created create(NewCustomer in, String requestedId, IdempotencyStore.Request idem) throws SQLException {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Customer customer = new Customer(requestedId != null ? requestedId : CustomerIds.next(), in.externalId(), in.name(), in.email(), in.currency(),
                in.attributes(), Customer.ACTIVE, now, now);
        Created[] out = new Created[1];
        uniqueExternalId(in.externalId(), () -> Transactions.run(db, c -> {
            if (idem != null) {
                Optional<IdempotencyStore.Stored> prior = idempotency.claim(c, idem, now);
                if (prior.isPresent()) {
                    out[0] = new Created(null, prior.get());
                    return;
                }
            }
            if (in.externalId() != null && store.externalIdTaken(c, in.externalId())) {
                throw externalIdTaken(in.externalId());
            }
            if (requestedId != null && store.find(c, requestedId).isPresent()) {
                throw ProblemException.conflict("CUSTOMER_EXISTS", "customer " + requestedId + " exists");
            }
            store.insert(c, customer);
            outbox.append(c, TOPIC, customer.id(), "com.apimon.customer.created", customer.id(), customer);
            if (idem != null) {
                idempotency.complete(c, idem, 201, customer);
            }
            out[0] = new Created(customer, null);
        }));
        outbox.flushSoon();
        return out[0];
    }

    /**
     * Replaces the mutable fields with {@code change(current)} (validated). Nothing changes → no event. The currency
     * is locked while the customer has a live subscription (its invoices are in that currency).
     */
    public Customer update(String id, Function<Customer, NewCustomer> change) throws SQLException {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Customer[] out = new Customer[1];
        Transactions.Work work = c -> {
            Customer current = store.findLocked(c, id, true).orElseThrow(() -> ProblemException.notFound("customer", id));
            if (current.archived()) {
                throw ProblemException.conflict("CUSTOMER_ARCHIVED", "customer " + id + " is archived and cannot change");
            }
            NewCustomer next = change.apply(current);
            if (current.sameAs(next)) {
                out[0] = current;
                return;
            }
            if (next.externalId() != null && !next.externalId().equals(current.externalId())
                    && store.externalIdTakenByOther(c, next.externalId(), id)) {
                throw externalIdTaken(next.externalId());
            }
            if (!next.currency().equals(current.currency()) && subscriptions.live(c, id).isPresent()) {
                throw ProblemException.conflict("CURRENCY_LOCKED", "customer " + id + " has a live subscription; its currency "
                        + current.currency() + " cannot change");
            }
            Customer updated = current.with(next, now);
            store.update(c, updated);
            outbox.append(c, TOPIC, id, "com.apimon.customer.updated", id, updated);
            out[0] = updated;
        };
        uniqueExternalId("(new value)", () -> Transactions.run(db, work));
        outbox.flushSoon();
        return out[0];
    }

    /**
     * Archives the customer (terminal): in one transaction its usable keys are revoked (keys.events), its
     * subscription is canceled now (subscriptions.events) and the customer is published as archived — quota-service
     * rejects its keys from then on. Archiving an archived customer changes nothing.
     */
    public Customer archive(String id, KeyService.Actor actor) throws SQLException {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Customer[] out = new Customer[1];
        Transactions.run(db, c -> {
            Customer current = store.findLocked(c, id, true).orElseThrow(() -> ProblemException.notFound("customer", id));
            if (current.archived()) {
                out[0] = current;
                return;
            }
            keys.revokeAll(c, id, actor, now, "customer_archived");
            subscriptions.cancelForArchive(c, id, actor, now);
            store.archive(c, id, now);
            Customer archived = store.find(c, id).orElseThrow();
            outbox.append(c, TOPIC, id, "com.apimon.customer.archived", id, archived);
            out[0] = archived;
        });
        outbox.flushSoon();
        return out[0];
    }

    public Optional<Customer> find(String id) throws SQLException {
        try (Connection c = db.getConnection()) {
            return store.find(c, id);
        }
    }

    public List<Customer> page(String afterId, String attrKey, String attrValue, int limit) throws SQLException {
        return page(afterId, attrKey, attrValue, null, limit);
    }

    public List<Customer> page(String afterId, String attrKey, String attrValue, String status, int limit) throws SQLException {
        try (Connection c = db.getConnection()) {
            return store.page(c, afterId, attrKey, attrValue, status, limit);
        }
    }

    private interface SqlWork {
        void run() throws SQLException;
    }

    /** A concurrent writer may win the external_id race between our check and our write: still a 409, never a 500. */
    private static void uniqueExternalId(String externalId, SqlWork work) throws SQLException {
        try {
            work.run();
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("external_id")) {
                throw externalIdTaken(externalId);
            }
            throw e;
        }
    }

    private static ProblemException externalIdTaken(String externalId) {
        return ProblemException.conflict("EXTERNAL_ID_TAKEN", "external_id '" + externalId + "' belongs to another customer");
    }
}
