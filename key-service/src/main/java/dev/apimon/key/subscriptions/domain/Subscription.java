package dev.apimon.key.subscriptions.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A customer's subscription to one plan version and its state machine (plain Java: every transition returns a
 * new value, the service persists it and publishes the snapshot).
 *
 * <pre>
 *            assign                suspend (admin / final dunning failure)
 *   (none) ─────────▶ ACTIVE ◀──────────────────────────────────▶ SUSPENDED
 *                       │      resume (admin / payment succeeded)     │
 *                       │ cancel now, or cancel_at reached            │ cancel now, or cancel_at reached
 *                       ▼                                             ▼
 *                    CANCELED (terminal; a new assignment starts a new subscription id)
 * </pre>
 *
 * Plan changes: {@link #changeNow} (upgrades; {@code changedAt} records when, proration is rating's job) or
 * {@link #scheduleChange} at the end of the current period (downgrades, version migrations). Periods are
 * monthly from {@code periodAnchor}; {@link #advance} rolls them and applies whatever fell due.
 */
public record Subscription(String id, String customerId, PlanRef plan, SubscriptionStatus status, Instant periodAnchor,
                           Period currentPeriod, Instant cancelAt, ScheduledChange scheduledChange, Instant changedAt,
                           Instant suspendedAt, String suspendReason, Instant canceledAt, PlanRef restorePlan,
                           Instant createdAt, Instant updatedAt) {

    public static final String REASON_DUNNING = "dunning";

    public Subscription {
        Objects.requireNonNull(id);
        Objects.requireNonNull(customerId);
        Objects.requireNonNull(plan);
        Objects.requireNonNull(status);
        Objects.requireNonNull(periodAnchor);
        Objects.requireNonNull(currentPeriod);
    }

    /** A new active subscription whose periods are anchored on {@code anchor} (now or, for admins, the past). */
    public static Subscription start(String id, String customerId, PlanRef plan, Instant anchor, Instant now) {
        if (anchor.isAfter(now)) {
            throw new IllegalArgumentException("the period anchor cannot be in the future");
        }
        return new Subscription(id, customerId, plan, SubscriptionStatus.ACTIVE, anchor, Period.monthlyContaining(anchor, now),
                null, null, anchor, null, null, null, null, now, now);
    }

    public boolean canceled() {
        return status == SubscriptionStatus.CANCELED;
    }

    public boolean cancelAtPeriodEnd() {
        return cancelAt != null;
    }

    /** Upgrade: the new plan applies at once; a pending scheduled change is superseded. */
    public Subscription changeNow(PlanRef to, Instant now) {
        requireLive("change the plan of");
        if (to.equals(plan)) {
            throw new TransitionRejected("PLAN_UNCHANGED", "the subscription is already on " + to);
        }
        return with(to, status, cancelAt, null, now, suspendedAt, suspendReason, canceledAt, null, now);
    }

    /** Downgrade or migration: the new plan applies when the current period ends. */
    public Subscription scheduleChange(PlanRef to, String reason, Instant now) {
        requireLive("schedule a change of");
        if (cancelAt != null) {
            throw new TransitionRejected("CANCELLATION_PENDING",
                    "the subscription cancels at the end of the period; reactivate it before scheduling a change");
        }
        if (to.equals(plan)) {
            throw new TransitionRejected("PLAN_UNCHANGED", "the subscription is already on " + to);
        }
        return with(plan, status, null, new ScheduledChange(to, currentPeriod.end(), reason), changedAt, suspendedAt,
                suspendReason, canceledAt, restorePlan, now);
    }

    public Subscription unscheduleChange(Instant now) {
        requireLive("unschedule a change of");
        if (scheduledChange == null) {
            throw new TransitionRejected("NO_SCHEDULED_CHANGE", "the subscription has no scheduled plan change");
        }
        return with(plan, status, cancelAt, null, changedAt, suspendedAt, suspendReason, canceledAt, restorePlan, now);
    }

    /** Cancels when the current period ends (idempotent); a scheduled plan change is dropped. */
    public Subscription cancelAtPeriodEnd(Instant now) {
        requireLive("cancel");
        if (cancelAt != null) {
            return this;
        }
        return with(plan, status, currentPeriod.end(), null, changedAt, suspendedAt, suspendReason, canceledAt, restorePlan, now);
    }

    /** Undoes {@link #cancelAtPeriodEnd} before the period ends. */
    public Subscription reactivate(Instant now) {
        requireLive("reactivate");
        if (cancelAt == null) {
            throw new TransitionRejected("NOT_CANCELING", "the subscription is not set to cancel");
        }
        return with(plan, status, null, scheduledChange, changedAt, suspendedAt, suspendReason, canceledAt, restorePlan, now);
    }

    public Subscription cancelNow(Instant now) {
        requireLive("cancel");
        return with(plan, SubscriptionStatus.CANCELED, null, null, changedAt, suspendedAt, suspendReason, now, null, now);
    }

    /** Idempotent: suspending a suspended subscription changes nothing (its first reason is kept). */
    public Subscription suspend(String reason, Instant now) {
        requireLive("suspend");
        if (status == SubscriptionStatus.SUSPENDED) {
            return this;
        }
        return with(plan, SubscriptionStatus.SUSPENDED, cancelAt, scheduledChange, changedAt, now, reason, canceledAt, restorePlan, now);
    }

    /** Idempotent: resuming an active subscription changes nothing. */
    public Subscription resume(Instant now) {
        requireLive("resume");
        if (status == SubscriptionStatus.ACTIVE) {
            return this;
        }
        return with(plan, SubscriptionStatus.ACTIVE, cancelAt, scheduledChange, changedAt, null, null, canceledAt, restorePlan, now);
    }

    /**
     * Delinquent after dunning, "downgrade" policy: moves to the fallback plan at once and remembers the plan to
     * restore when the customer pays. Already on the fallback plan: unchanged.
     */
    public Subscription dunningDowngrade(PlanRef fallback, Instant now) {
        requireLive("downgrade");
        if (plan.equals(fallback)) {
            return this;
        }
        PlanRef restore = restorePlan != null ? restorePlan : plan;
        return with(fallback, status, cancelAt, null, now, suspendedAt, suspendReason, canceledAt, restore, now);
    }

    /**
     * Paid again: lifts only what dunning did (a suspension for dunning, a dunning downgrade); an admin's
     * suspension stays. Canceled subscriptions stay canceled.
     */
    public Subscription paymentRecovered(Instant now) {
        if (canceled()) {
            return this;
        }
        Subscription s = this;
        if (s.status == SubscriptionStatus.SUSPENDED && REASON_DUNNING.equals(s.suspendReason)) {
            s = s.resume(now);
        }
        if (s.restorePlan != null) {
            PlanRef back = s.restorePlan;
            s = back.equals(s.plan)
                    ? s.with(s.plan, s.status, s.cancelAt, s.scheduledChange, s.changedAt, s.suspendedAt, s.suspendReason, s.canceledAt, null, now)
                    : s.with(back, s.status, s.cancelAt, null, now, s.suspendedAt, s.suspendReason, s.canceledAt, null, now);
        }
        return s;
    }

    /** What {@link #advance} did at one period boundary. */
    public record Step(String action, Instant at, Subscription after) {
        public static final String RENEWED = "renewed";
        public static final String SCHEDULED_CHANGE_APPLIED = "scheduled_change_applied";
        public static final String CANCELED = "canceled";
    }

    /**
     * Everything that fell due up to {@code now}, boundary by boundary: at each period end first the scheduled
     * change, then the cancellation (which ends the subscription), else the next period starts. Empty when nothing
     * is due; applying the result again is a no-op.
     */
    public List<Step> advance(Instant now) {
        List<Step> steps = new ArrayList<>();
        Subscription s = this;
        while (!s.canceled() && !s.currentPeriod.end().isAfter(now)) {
            Instant boundary = s.currentPeriod.end();
            if (s.cancelAt != null && !s.cancelAt.isAfter(boundary)) {
                Instant at = s.cancelAt;
                s = s.with(s.plan, SubscriptionStatus.CANCELED, null, null, s.changedAt, s.suspendedAt, s.suspendReason, at, null, at);
                steps.add(new Step(Step.CANCELED, at, s));
                break;
            }
            Period next = s.currentPeriod.next(s.periodAnchor);
            if (s.scheduledChange != null && !s.scheduledChange.at().isAfter(boundary)) {
                Instant at = s.scheduledChange.at();
                s = new Subscription(s.id, s.customerId, s.scheduledChange.plan(), s.status, s.periodAnchor, next, null, null, at,
                        s.suspendedAt, s.suspendReason, null, null, s.createdAt, boundary);
                steps.add(new Step(Step.SCHEDULED_CHANGE_APPLIED, at, s));
            } else {
                s = new Subscription(s.id, s.customerId, s.plan, s.status, s.periodAnchor, next, null, s.scheduledChange, s.changedAt,
                        s.suspendedAt, s.suspendReason, null, s.restorePlan, s.createdAt, boundary);
                steps.add(new Step(Step.RENEWED, boundary, s));
            }
        }
        return steps;
    }

    private void requireLive(String what) {
        if (canceled()) {
            throw new TransitionRejected("SUBSCRIPTION_CANCELED", "cannot " + what + " a canceled subscription; assign a plan to start a new one");
        }
    }

    private Subscription with(PlanRef plan, SubscriptionStatus status, Instant cancelAt, ScheduledChange scheduled, Instant changedAt,
                              Instant suspendedAt, String suspendReason, Instant canceledAt, PlanRef restorePlan, Instant now) {
        return new Subscription(id, customerId, plan, status, periodAnchor, currentPeriod, cancelAt, scheduled, changedAt,
                suspendedAt, suspendReason, canceledAt, restorePlan, createdAt, now);
    }
}
