package dev.apimon.key.subscriptions.domain;

import dev.apimon.key.catalog.domain.CatalogPlan;
import dev.apimon.key.catalog.store.CatalogStore;
import dev.apimon.key.customers.domain.Customer;
import dev.apimon.key.customers.store.CustomerStore;
import dev.apimon.key.idempotency.store.IdempotencyStore;
import dev.apimon.key.keys.domain.KeyService.Actor;
import dev.apimon.key.subscriptions.store.SubscriptionStore;
import dev.apimon.platform.db.Transactions;
import dev.apimon.platform.outbox.Inbox;
import dev.apimon.platform.outbox.Outbox;
import dev.apimon.platform.problem.FieldError;
import dev.apimon.platform.problem.ProblemException;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Subscriptions: every change, its history row and the customer's new {@code subscriptions.events} snapshot commit
 * in one transaction (outbox). Whatever fell due (period ends, scheduled changes, cancellations) is applied first,
 * by the sweeper or lazily by the next read or change of that subscription, so the answer never shows a stale period.
 */
@Singleton
public class SubscriptionService {
    public static final String TOPIC = "subscriptions.events";
    public static final String PAYMENTS_CONSUMER = "key-service.billing-payments";
    private static final Logger LOG = Logger.getLogger(SubscriptionService.class);
    private static final Actor SCHEDULER = new Actor("system:scheduler", null);
    private static final Actor DUNNING = new Actor("system:billing.payments", null);

    private final AgroalDataSource db;
    private final SubscriptionStore store;
    private final CatalogStore catalog;
    private final CustomerStore customers;
    private final IdempotencyStore idempotency;
    private final Outbox outbox;
    private final Clock clock;
    private final DunningConfig dunning;

    public SubscriptionService(AgroalDataSource db, SubscriptionStore store, CatalogStore catalog, CustomerStore customers,
                               IdempotencyStore idempotency, Outbox outbox, Clock clock, DunningConfig dunning) {
        this.db = db;
        this.store = store;
        this.catalog = catalog;
        this.customers = customers;
        this.idempotency = idempotency;
        this.outbox = outbox;
        this.clock = clock;
        this.dunning = dunning;
    }

    /** The result of a change, or the stored first result of an idempotent repeat ({@code replay}). */
    public record Outcome(SubscriptionView view, IdempotencyStore.Stored replay) {
    }

    public record Assign(String planCode, Integer planVersion, Instant startAt) {
    }

    public record Change(String planCode, Integer planVersion, PlanChangeTiming.Effective effective) {
    }

    public record MigrationResult(String id, String planCode, int fromVersion, int toVersion, int scheduled, List<String> skipped,
                                  Instant createdAt) {
    }

    /** A change computed inside the transaction (it may read the catalog). */
    @FunctionalInterface
    interface TxChange {
        Result apply(Connection c, Subscription current, Instant now) throws SQLException;
    }

    record Result(Subscription after, String action, Map<String, Object> details) {
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    // ---------------------------------------------------------------- commands

    public Outcome assign(String customerId, Assign cmd, Actor actor, IdempotencyStore.Request idem) throws SQLException {
        Instant now = now();
        Outcome[] out = new Outcome[1];
        Transactions.run(db, c -> {
            Optional<IdempotencyStore.Stored> prior = idem == null ? Optional.empty() : idempotency.claim(c, idem, now);
            if (prior.isPresent()) {
                out[0] = new Outcome(null, prior.get());
                return;
            }
            requireLiveCustomer(c, customerId);
            Optional<Subscription> existing = store.find(c, customerId, true);
            if (existing.isPresent()) {
                Subscription current = catchUp(c, existing.get(), now);
                if (!current.canceled()) {
                    throw ProblemException.conflict("SUBSCRIPTION_EXISTS", "customer " + customerId + " already has a "
                            + current.status().wire() + " subscription to " + current.plan()
                            + "; change its plan with POST /v1/customers/" + customerId + "/subscription/change");
                }
            }
            CatalogPlan plan = resolve(c, cmd.planCode(), cmd.planVersion(), "plan_code", "plan_version");
            // usage is metered in hourly buckets: a period that began mid-hour could not own the bucket of its first
            // hour, so anchors are whole hours (the start of the hour the subscription starts in)
            Instant anchor = (cmd.startAt() == null ? now : cmd.startAt()).truncatedTo(ChronoUnit.HOURS);
            if (anchor.isAfter(now)) {
                throw ProblemException.invalid("start_at", "must not be in the future (it anchors the billing periods)");
            }
            Subscription s = Subscription.start(Ids.next("sub_"), customerId, plan.ref(), anchor, now);
            store.save(c, s);
            record(c, s, "created", actor, details("plan", plan.ref().key(), "start_at", anchor.toString()), now);
            SubscriptionView view = SubscriptionView.of(s);
            if (idem != null) {
                idempotency.complete(c, idem, 201, view);
            }
            out[0] = new Outcome(view, null);
        });
        outbox.flushSoon();
        return out[0];
    }

    public Outcome changePlan(String customerId, Change cmd, Actor actor, IdempotencyStore.Request idem) throws SQLException {
        return mutate(customerId, actor, idem, (c, s, now) -> {
            CatalogPlan target = resolve(c, cmd.planCode(), cmd.planVersion(), "plan_code", "plan_version");
            CatalogPlan current = catalog.find(c, s.plan().code(), s.plan().version())
                    .orElse(new CatalogPlan(s.plan().code(), s.plan().version(), CatalogPlan.ARCHIVED, null, null, null, List.of()));
            PlanChangeTiming.Effective when;
            try {
                when = PlanChangeTiming.decide(cmd.effective(), current.priced(), target.priced());
            } catch (IllegalArgumentException e) {
                throw ProblemException.invalid("effective", e.getMessage());
            }
            Map<String, Object> d = details("from", s.plan().key(), "to", target.ref().key(), "effective",
                    when == PlanChangeTiming.Effective.NOW ? "now" : "period_end");
            if (when == PlanChangeTiming.Effective.NOW) {
                return new Result(s.changeNow(target.ref(), now), "changed", d);
            }
            return new Result(s.scheduleChange(target.ref(), ScheduledChange.DOWNGRADE, now), "change_scheduled", d);
        });
    }

    public SubscriptionView unscheduleChange(String customerId, Actor actor) throws SQLException {
        return mutate(customerId, actor, null, (c, s, now) -> new Result(s.unscheduleChange(now), "change_unscheduled",
                details("dropped", s.scheduledChange() == null ? null : s.scheduledChange().plan().key()))).view();
    }

    public SubscriptionView cancel(String customerId, boolean atPeriodEnd, Actor actor) throws SQLException {
        return mutate(customerId, actor, null, (c, s, now) -> atPeriodEnd
                ? new Result(s.cancelAtPeriodEnd(now), "cancel_scheduled", details("at", s.currentPeriod().end().toString()))
                : new Result(s.cancelNow(now), "canceled", details("immediately", true))).view();
    }

    public SubscriptionView reactivate(String customerId, Actor actor) throws SQLException {
        return mutate(customerId, actor, null, (c, s, now) -> new Result(s.reactivate(now), "reactivated", Map.of())).view();
    }

    public SubscriptionView suspend(String customerId, String reason, Actor actor) throws SQLException {
        return mutate(customerId, actor, null, (c, s, now) -> new Result(s.suspend(reason, now), "suspended", details("reason", reason))).view();
    }

    public SubscriptionView resume(String customerId, Actor actor) throws SQLException {
        return mutate(customerId, actor, null, (c, s, now) -> new Result(s.resume(now), "resumed", Map.of())).view();
    }

    /**
     * Grandfathering ends only by decision: every live subscriber of {@code code:fromVersion} without another pending
     * change gets a scheduled change to {@code toVersion} at the end of its current period.
     */
    public MigrationResult scheduleMigration(String code, int fromVersion, Integer toVersion, Actor actor) throws SQLException {
        PlanRef from = new PlanRef(code, fromVersion);
        try (Connection c = db.getConnection()) {
            if (catalog.find(c, code, fromVersion).isEmpty()) {
                throw ProblemException.notFound("plan version", from.key());
            }
            if (toVersion == null) {
                throw ProblemException.invalid("to_version", "is required");
            }
            if (toVersion <= fromVersion) {
                throw ProblemException.invalid("to_version", "must be newer than " + fromVersion);
            }
            Optional<CatalogPlan> to = catalog.find(c, code, toVersion);
            if (to.isEmpty() || !to.get().published()) {
                throw ProblemException.invalid("to_version", code + ":" + toVersion + (to.isEmpty() ? " is not in the catalog" : " is not published"));
            }
        }
        PlanRef target = new PlanRef(code, toVersion);
        int[] scheduled = {0};
        List<String> skipped = new ArrayList<>();
        String after = null;
        while (true) {
            List<String> batch;
            try (Connection c = db.getConnection()) {
                batch = store.subscribersOf(c, from, after, 200);
            }
            if (batch.isEmpty()) {
                break;
            }
            Transactions.run(db, c -> {
                Instant now = now();
                for (String customerId : batch) {
                    Optional<Subscription> found = store.find(c, customerId, true);
                    if (found.isEmpty()) {
                        continue;
                    }
                    Subscription s = catchUp(c, found.get(), now);
                    if (s.canceled() || !s.plan().equals(from)) {
                        continue;
                    }
                    if (s.scheduledChange() != null || s.cancelAtPeriodEnd()) {
                        skipped.add(customerId);
                        continue;
                    }
                    Subscription moved = s.scheduleChange(target, ScheduledChange.MIGRATION, now);
                    store.save(c, moved);
                    record(c, moved, "migration_scheduled", actor, details("from", from.key(), "to", target.key(),
                            "at", moved.scheduledChange().at().toString()), now);
                    scheduled[0]++;
                }
            });
            outbox.flushSoon();
            after = batch.get(batch.size() - 1);
        }
        MigrationResult result = new MigrationResult(Ids.next("mig_"), code, fromVersion, toVersion, scheduled[0], List.copyOf(skipped), now());
        Transactions.run(db, c -> store.insertMigration(c, result.id(), from, toVersion, result.scheduled(), result.skipped(), actor.name(),
                result.createdAt()));
        return result;
    }

    // ---------------------------------------------------------------- reads

    /** The current subscription, with whatever fell due applied first. */
    public Optional<SubscriptionView> current(String customerId) throws SQLException {
        Instant now = now();
        SubscriptionView[] out = new SubscriptionView[1];
        Transactions.run(db, c -> {
            Optional<Subscription> s = store.find(c, customerId, true);
            if (s.isPresent()) {
                out[0] = SubscriptionView.of(catchUp(c, s.get(), now));
            }
        });
        outbox.flushSoon();
        return Optional.ofNullable(out[0]);
    }

    public List<HistoryEntry> history(String customerId, long afterSeq, int limit) throws SQLException {
        try (Connection c = db.getConnection()) {
            return store.history(c, customerId, afterSeq, limit);
        }
    }

    // ---------------------------------------------------------------- for other features and the sweeper

    /** Applies what fell due for up to {@code max} subscriptions; returns how many were advanced. */
    public int sweep(int max) throws SQLException {
        Instant now = now();
        List<String> due;
        try (Connection c = db.getConnection()) {
            due = store.due(c, now, max);
        }
        for (String customerId : due) {
            Transactions.run(db, c -> {
                Optional<Subscription> s = store.find(c, customerId, true);
                if (s.isPresent()) {
                    catchUp(c, s.get(), now);
                }
            });
        }
        if (!due.isEmpty()) {
            outbox.flushSoon();
        }
        return due.size();
    }

    /** Customer archived: the subscription ends now, in the caller's transaction. */
    public void cancelForArchive(Connection c, String customerId, Actor actor, Instant now) throws SQLException {
        Optional<Subscription> found = store.find(c, customerId, true);
        if (found.isEmpty()) {
            return;
        }
        Subscription s = catchUp(c, found.get(), now);
        if (!s.canceled()) {
            Subscription after = s.cancelNow(now);
            store.save(c, after);
            record(c, after, "canceled", actor, details("reason", "customer_archived"), now);
        }
    }

    /** The customer's live subscription (not canceled), if any, as of now. */
    public Optional<Subscription> live(Connection c, String customerId) throws SQLException {
        return store.find(c, customerId, false).filter(s -> !s.canceled());
    }

    /**
     * Dunning outcome from billing.payments, applied once per CloudEvent id (inbox in the same transaction): a final
     * failed attempt suspends (or downgrades, per configuration); a successful payment lifts what dunning did.
     */
    public void applyPayment(PaymentEvent e) throws SQLException {
        applyPayment(e, dunning.onFinalFailure(), dunning.fallbackPlan());
    }

    /** {@link #applyPayment(PaymentEvent)} with an explicit policy ({@code suspend} or {@code downgrade} to {@code fallbackPlan}). */
    public void applyPayment(PaymentEvent e, String onFinalFailure, String fallbackPlan) throws SQLException {
        Instant now = now();
        Transactions.run(db, c -> {
            if (!Inbox.firstDelivery(c, PAYMENTS_CONSUMER, e.eventId())) {
                LOG.debugf("billing.payments %s already applied", e.eventId());
                return;
            }
            Optional<Customer> customer = customers.findLocked(c, e.customerId(), false);
            Optional<Subscription> found = store.find(c, e.customerId(), true);
            if (customer.isEmpty() || customer.get().archived() || found.isEmpty()) {
                LOG.infof("billing.payments %s for %s: no live subscription, nothing to do", e.eventId(), e.customerId());
                return;
            }
            Subscription s = catchUp(c, found.get(), now);
            if (s.canceled()) {
                return;
            }
            Map<String, Object> d = details("event_id", e.eventId(), "invoice_id", e.invoiceId(), "attempt", e.attempt(), "payment", e.type());
            Subscription after;
            String action;
            if (PaymentEvent.FAILED.equals(e.type())) {
                if (!e.finalAttempt()) {
                    return;
                }
                Optional<CatalogPlan> fallback = "downgrade".equals(onFinalFailure)
                        ? catalog.latestPublished(c, fallbackPlan) : Optional.empty();
                if (fallback.isPresent()) {
                    after = s.dunningDowngrade(fallback.get().ref(), now);
                    action = "dunning_downgraded";
                } else {
                    if ("downgrade".equals(onFinalFailure)) {
                        LOG.warnf("dunning fallback plan '%s' is not in the catalog: suspending %s instead", fallbackPlan, e.customerId());
                    }
                    after = s.suspend(Subscription.REASON_DUNNING, now);
                    action = "suspended";
                }
            } else {
                after = s.paymentRecovered(now);
                action = after.status() != s.status() ? "resumed" : "changed";
            }
            if (!after.equals(s)) {
                store.save(c, after);
                record(c, after, action, DUNNING, d, now);
            }
        });
        outbox.flushSoon();
    }

    // ---------------------------------------------------------------- internals

    private Outcome mutate(String customerId, Actor actor, IdempotencyStore.Request idem, TxChange change) throws SQLException {
        Instant now = now();
        Outcome[] out = new Outcome[1];
        Transactions.run(db, c -> {
            Optional<IdempotencyStore.Stored> prior = idem == null ? Optional.empty() : idempotency.claim(c, idem, now);
            if (prior.isPresent()) {
                out[0] = new Outcome(null, prior.get());
                return;
            }
            requireLiveCustomer(c, customerId);
            Subscription s = store.find(c, customerId, true).orElseThrow(() -> ProblemException.notFound("subscription of customer", customerId));
            s = catchUp(c, s, now);
            Result r;
            try {
                r = change.apply(c, s, now);
            } catch (TransitionRejected e) {
                throw ProblemException.conflict(e.code(), e.getMessage());
            }
            if (!r.after().equals(s)) {
                store.save(c, r.after());
                record(c, r.after(), r.action(), actor, r.details(), now);
            }
            SubscriptionView view = SubscriptionView.of(r.after());
            if (idem != null) {
                idempotency.complete(c, idem, 200, view);
            }
            out[0] = new Outcome(view, null);
        });
        outbox.flushSoon();
        return out[0];
    }

    /** Applies and persists every step that fell due (history + one snapshot event each). */
    private Subscription catchUp(Connection c, Subscription s, Instant now) throws SQLException {
        List<Subscription.Step> steps = s.advance(now);
        if (steps.isEmpty()) {
            return s;
        }
        Subscription last = s;
        for (Subscription.Step step : steps) {
            last = step.after();
            Map<String, Object> d = details("at", step.at().toString());
            if (Subscription.Step.SCHEDULED_CHANGE_APPLIED.equals(step.action()) && s.scheduledChange() != null) {
                d.put("reason", s.scheduledChange().reason());
            }
            record(c, last, step.action(), SCHEDULER, d, step.at());
        }
        store.save(c, last);
        return last;
    }

    private void record(Connection c, Subscription s, String action, Actor actor, Map<String, Object> details, Instant at) throws SQLException {
        SubscriptionSnapshot snapshot = SubscriptionSnapshot.of(s);
        store.appendHistory(c, s.customerId(), s.id(), action, actor.name(), actor.ip(), details, snapshot, at);
        outbox.append(c, TOPIC, s.customerId(), eventType(action), s.customerId(), snapshot);
    }

    static String eventType(String action) {
        return "com.apimon.subscription." + switch (action) {
            case "created" -> "created";
            case "canceled" -> "canceled";
            case "suspended" -> "suspended";
            case "resumed" -> "resumed";
            default -> "changed";
        };
    }

    private void requireLiveCustomer(Connection c, String customerId) throws SQLException {
        Customer cu = customers.findLocked(c, customerId, false).orElseThrow(() -> ProblemException.notFound("customer", customerId));
        if (cu.archived()) {
            throw ProblemException.conflict("CUSTOMER_ARCHIVED", "customer " + customerId + " is archived");
        }
    }

    /** A published plan version from key-service's copy of billing.catalog; 400 naming the field otherwise. */
    private CatalogPlan resolve(Connection c, String code, Integer version, String codeField, String versionField) throws SQLException {
        if (code == null || code.isBlank()) {
            throw ProblemException.invalid(codeField, "is required");
        }
        if (version != null) {
            if (version < 1) {
                throw ProblemException.invalid(versionField, "must be a positive integer");
            }
            Optional<CatalogPlan> p = catalog.find(c, code, version);
            if (p.isEmpty()) {
                throw ProblemException.invalid(catalog.knows(c, code) ? List.of(new FieldError(versionField, "plan '" + code
                        + "' has no version " + version + " in the catalog")) : List.of(new FieldError(codeField, "plan '" + code
                        + "' is not in the catalog (billing.catalog)")));
            }
            if (!p.get().published()) {
                throw ProblemException.invalid(versionField, code + ":" + version + " is " + p.get().status()
                        + "; only published versions can be assigned");
            }
            return p.get();
        }
        return catalog.latestPublished(c, code).orElseThrow(() -> ProblemException.invalid(codeField,
                "plan '" + code + "' " + ("has no published version in the catalog (billing.catalog)")));
    }

    private static Map<String, Object> details(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put((String) kv[i], kv[i + 1]);
            }
        }
        return m;
    }
}
