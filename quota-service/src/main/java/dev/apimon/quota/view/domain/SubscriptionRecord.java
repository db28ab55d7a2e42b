package dev.apimon.quota.view.domain;

import java.time.Instant;

/** A customer's subscription from subscriptions.events (one per customer: the topic is keyed by customer id). */
public record SubscriptionRecord(String customerId, String subscriptionId, PlanRef plan, String status,
                                 Instant periodAnchor, Instant currentPeriodStart, PlanRef scheduledPlan,
                                 Instant scheduledAt) {
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

    /** The anchor quota periods align to: period_anchor, else the current period's start. */
    public Instant anchor() {
        return periodAnchor != null ? periodAnchor : currentPeriodStart;
    }
}
