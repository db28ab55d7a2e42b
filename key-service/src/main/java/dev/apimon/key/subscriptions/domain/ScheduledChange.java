package dev.apimon.key.subscriptions.domain;

import java.time.Instant;

/** A plan change that takes effect at {@code at} (the end of the period it was scheduled in). */
public record ScheduledChange(PlanRef plan, Instant at, String reason) {
    public static final String DOWNGRADE = "downgrade";
    public static final String MIGRATION = "migration";
}
