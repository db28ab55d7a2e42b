package dev.apimon.quota.view.domain;

import java.time.Instant;

/**
 * A customer's subscription from subscriptions.events (one per customer: the topic is keyed by customer id).
 * {@code cancelAt} is the current period's end when the subscription is set to cancel then, else null.
 */
public record SubscriptionRecord(String customerId, String subscriptionId, PlanRef plan, String status,
                                 Instant periodAnchor, Instant currentPeriodStart, PlanRef scheduledPlan,
                                 Instant scheduledAt, Instant cancelAt) {
    public static final String ACTIVE = "active";
    public static final String SUSPENDED = "suspended";
    public static final String CANCELED = "canceled";

    /** The plan in force at {@code now}: a scheduled change applies from its instant even before a new snapshot. */
    public PlanRef planAt(Instant now) {
        if (scheduledPlan != null && scheduledAt != null && !now.isBefore(scheduledAt)) {
            return scheduledPlan;
        }
        return plan;
    }

    /**
     * The status at {@code now}: a cancellation at period end applies from its instant, like a scheduled change,
     * without waiting for key-service to publish the canceled snapshot (its sweep runs every 30 s).
     */
    public String statusAt(Instant now) {
        if (ACTIVE.equals(status) && cancelAt != null && !now.isBefore(cancelAt)) {
            return CANCELED;
        }
        return status;
    }

    /** The anchor quota periods align to: period_anchor, else the current period's start. */
    public Instant anchor() {
        return periodAnchor != null ? periodAnchor : currentPeriodStart;
    }
}
