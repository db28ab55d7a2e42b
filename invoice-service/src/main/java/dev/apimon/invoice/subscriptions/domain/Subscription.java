package dev.apimon.invoice.subscriptions.domain;

import dev.apimon.platform.time.BillingPeriods;
import java.time.Instant;
import java.util.List;

/**
 * invoice-service's copy of a subscription (from {@code subscriptions.events}) plus its billing progress:
 * whether the opening invoice exists, the end of the last invoiced period, and when the next period is due.
 */
public record Subscription(String subscriptionId, String customerId, PlanRef plan, String status, Instant periodAnchor,
                           Instant currentPeriodStart, Instant currentPeriodEnd, boolean cancelAtPeriodEnd, PlanRef scheduledPlan,
                           Instant scheduledAt, Instant changedAt, Instant updatedAt, boolean opened, Instant billedThrough,
                           Instant nextCloseAt, boolean finished, List<PlanChange> history) {

    public static final String CANCELED = "canceled";

    public record PlanRef(String code, int version) {
        @Override
        public String toString() {
            return code + ":" + version;
        }
    }

    /** A plan taking effect at an instant (the first one at the anchor). */
    public record PlanChange(Instant effectiveAt, PlanRef plan) {
    }

    /** The plan in effect at {@code t}: the last change at or before it, then a scheduled change due by then. */
    public PlanRef planAt(Instant t) {
        PlanRef p = history.isEmpty() ? plan : history.get(0).plan();
        for (PlanChange h : history) {
            if (!h.effectiveAt().isAfter(t)) {
                p = h.plan();
            }
        }
        if (scheduledPlan != null && scheduledAt != null && !scheduledAt.isAfter(t)) {
            p = scheduledPlan;
        }
        return p;
    }

    /**
     * When the subscription stops being billed: the end of its current period once it is canceled or set to
     * cancel at period end; null while it renews.
     */
    public Instant endsAt(String interval) {
        if (!CANCELED.equals(status) && !cancelAtPeriodEnd) {
            return null;
        }
        if (currentPeriodEnd != null) {
            return currentPeriodEnd;
        }
        Instant at = updatedAt.isBefore(periodAnchor) ? periodAnchor : updatedAt;
        return BillingPeriods.containing(periodAnchor, interval, at).end();
    }
}
