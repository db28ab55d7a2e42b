package dev.apimon.key.subscriptions.domain;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * The {@code subscriptions.events} payload (docs/events.md): the whole current subscription, keyed by customer id
 * on a compacted topic, so the latest record alone rebuilds a consumer's view. {@code changed_at} (when the
 * current plan took effect) is additive: rating-service prorates from it.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record SubscriptionSnapshot(String customerId, String subscriptionId, PlanRef plan, String status, Instant periodAnchor,
                                   Instant currentPeriodStart, Instant currentPeriodEnd, boolean cancelAtPeriodEnd,
                                   Scheduled scheduledChange, Instant changedAt) {

    public record Scheduled(PlanRef plan, Instant at) {
    }

    public static SubscriptionSnapshot of(Subscription s) {
        ScheduledChange sc = s.scheduledChange();
        return new SubscriptionSnapshot(s.customerId(), s.id(), s.plan(), s.status().wire(), s.periodAnchor(),
                s.currentPeriod().start(), s.currentPeriod().end(), s.cancelAtPeriodEnd(),
                sc == null ? null : new Scheduled(sc.plan(), sc.at()), s.changedAt());
    }
}
