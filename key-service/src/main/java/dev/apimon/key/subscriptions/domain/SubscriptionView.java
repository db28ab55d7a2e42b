package dev.apimon.key.subscriptions.domain;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** A subscription as the API shows it: the event snapshot plus bookkeeping (when and why). */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record SubscriptionView(String customerId, String subscriptionId, PlanRef plan, String status, Instant periodAnchor,
                               Instant currentPeriodStart, Instant currentPeriodEnd, boolean cancelAtPeriodEnd, Instant cancelAt,
                               ScheduledChange scheduledChange, Instant changedAt, Instant suspendedAt, String suspendReason,
                               Instant canceledAt, PlanRef restorePlan, Instant createdAt, Instant updatedAt) {

    public static SubscriptionView of(Subscription s) {
        return new SubscriptionView(s.customerId(), s.id(), s.plan(), s.status().wire(), s.periodAnchor(), s.currentPeriod().start(),
                s.currentPeriod().end(), s.cancelAtPeriodEnd(), s.cancelAt(), s.scheduledChange(), s.changedAt(), s.suspendedAt(),
                s.suspendReason(), s.canceledAt(), s.restorePlan(), s.createdAt(), s.updatedAt());
    }
}
