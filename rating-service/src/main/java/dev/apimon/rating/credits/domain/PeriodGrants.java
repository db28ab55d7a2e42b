package dev.apimon.rating.credits.domain;

import dev.apimon.platform.time.BillingPeriods;
import dev.apimon.rating.credits.store.CreditStore;
import dev.apimon.rating.pricing.CreditGrant;
import dev.apimon.rating.pricing.PlanVersion;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/**
 * A plan version's {@code credit_grant}, granted once per billing period of each active subscriber, through the same
 * credit sources and ledger as admin grants (kind {@code grant}). (customer, period start) is unique in the database,
 * so replays, redeliveries, racing consumers, replicas and restarts never grant twice.
 */
@Singleton
public class PeriodGrants {
    public static final String ACTIVE = "active";

    private final CreditStore store;

    public PeriodGrants(CreditStore store) {
        this.store = store;
    }

    /**
     * Grants the plan's credit for {@code period} in the caller's transaction; true when this call granted it. The grant
     * is dated at the period start (source and ledger row), whenever rating-service noticed the period, so rating the
     * period sees it from its first instant. Suspended and canceled subscriptions earn nothing; a subscription resumed
     * (or moved onto a plan with a grant) later in the period gets that period's grant then.
     */
    public boolean grant(Connection tx, String customerId, String status, PlanVersion plan, Instant anchor, BillingPeriods.Period period)
            throws SQLException {
        CreditGrant g = plan.creditGrant();
        if (g == null || !ACTIVE.equals(status)) {
            return false;
        }
        Instant start = period.start();
        if (store.hasPeriodGrant(tx, customerId, start)) {
            return false; // every refresh asks: one indexed read, no write
        }
        String name = (plan.name() == null ? plan.code() : plan.name()) + " v" + plan.version();
        CreditSourceView s = new CreditSourceView(CreditService.newId(), customerId, "grant", plan.currency(), g.amount(), g.amount(),
                g.priorityOrDefault(), g.expiresAt(anchor, start), name + " credit grant for the period from " + start, start);
        if (!store.insertPeriodGrant(tx, s, start)) {
            return false; // a concurrent refresh of the same customer granted it first
        }
        store.ledger(tx, customerId, s.id(), g.amount(), g.amount(), "granted", reference(start), start);
        return true;
    }

    /** The ledger reference of a period's grant: deterministic, so the ledger shows which period it belongs to. */
    public static String reference(Instant periodStart) {
        return "plan_grant:" + periodStart;
    }
}
