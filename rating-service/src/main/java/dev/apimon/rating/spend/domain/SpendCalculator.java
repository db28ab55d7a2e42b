package dev.apimon.rating.spend.domain;

import dev.apimon.platform.time.BillingPeriods;
import dev.apimon.rating.catalog.domain.CatalogEntry;
import dev.apimon.rating.catalog.store.CatalogStore;
import dev.apimon.rating.credits.domain.CreditService;
import dev.apimon.rating.credits.domain.CreditSourceView;
import dev.apimon.rating.previews.domain.CustomerPricing;
import dev.apimon.rating.pricing.CreditSource;
import dev.apimon.rating.pricing.CurrencyRounding;
import dev.apimon.rating.pricing.PlanVersion;
import dev.apimon.rating.pricing.PriceRequest;
import dev.apimon.rating.pricing.PricingEngine;
import dev.apimon.rating.pricing.Proration;
import dev.apimon.rating.pricing.Quota;
import dev.apimon.rating.pricing.Quote;
import dev.apimon.rating.spend.store.SpendStore;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rates one customer's billing period: usage from the hourly buckets (live keys only — test-key usage is shown
 * by usage-service but never priced), the plan in effect, the customer's overrides, discounts and credits.
 * The same computation serves the live dashboard (period so far) and invoice-service (a closed period).
 */
@Singleton
public class SpendCalculator {
    private final SpendStore store;
    private final CatalogStore catalog;
    private final CustomerPricing customers;
    private final CreditService credits;
    private final PricingEngine engine;

    public SpendCalculator(SpendStore store, CatalogStore catalog, CustomerPricing customers, CreditService credits, PricingEngine engine) {
        this.store = store;
        this.catalog = catalog;
        this.customers = customers;
        this.credits = credits;
        this.engine = engine;
    }

    /**
     * The period containing {@code periodInstant}: while it is open (now before its end) the spend so far; once closed
     * the final rating with all its usage, stamped with the period end instead of the wall clock so that rating it
     * again gives byte-identical JSON. Empty without a subscription.
     */
    public Optional<SpendSnapshot> ratePeriod(Connection c, String customerId, Instant periodInstant, Instant now) throws SQLException {
        Optional<SpendSnapshot> first = rate(c, customerId, periodInstant);
        if (first.isEmpty()) {
            return first;
        }
        SpendSnapshot period = first.get();
        if (now.isBefore(period.periodEnd())) {
            // still open: the spend so far (a period that has not started yet stays as rated)
            return period.periodStart().isAfter(now) ? first : rate(c, customerId, now);
        }
        // the last instant of the period, so every hour of it counts
        return rate(c, customerId, period.periodEnd().minusMillis(1)).map(s -> withUpdatedAt(s, s.periodEnd()));
    }

    private static SpendSnapshot withUpdatedAt(SpendSnapshot s, Instant at) {
        return new SpendSnapshot(s.customerId(), s.plan(), s.periodStart(), s.periodEnd(), s.currency(), s.lines(), s.subtotal(),
                s.discount(), s.minimumCommitmentTrueUp(), s.creditsApplied(), s.total(), s.creditsRemaining(), s.forecast(),
                s.quotas(), at);
    }

    /** What applies to a customer at an instant: its subscription, plan history, the plan in effect and the period. */
    public record Term(SpendStore.Subscription subscription, List<SpendStore.HistoryEntry> history, PlanVersion plan,
                       BillingPeriods.Period period) {
    }

    /** The term at {@code at}; empty without a subscription or before its anchor. */
    public Optional<Term> term(Connection c, String customerId, Instant at) throws SQLException {
        Optional<SpendStore.Subscription> sub = store.subscription(c, customerId);
        if (sub.isEmpty() || at.isBefore(sub.get().periodAnchor())) {
            return Optional.empty();
        }
        List<SpendStore.HistoryEntry> history = store.history(c, customerId);
        PlanVersion planNow = planAt(c, sub.get(), history, at);
        return Optional.of(new Term(sub.get(), history, planNow, BillingPeriods.containing(sub.get().periodAnchor(), planNow.interval(), at)));
    }

    /** The period containing {@code at}, rated with usage up to {@code at}; empty without a subscription. */
    public Optional<SpendSnapshot> rate(Connection c, String customerId, Instant at) throws SQLException {
        Optional<Term> term = term(c, customerId, at);
        return term.isEmpty() ? Optional.empty() : Optional.of(rate(c, customerId, term.get(), at));
    }

    /** The term's period rated with usage up to {@code at}; credits are read in {@code c}, so a grant written in it counts. */
    public SpendSnapshot rate(Connection c, String customerId, Term term, Instant at) throws SQLException {
        PlanVersion planNow = term.plan();
        BillingPeriods.Period period = term.period();
        Map<String, SpendStore.MeterUsage> usage = store.usage(c, customerId, period.start(), period.end());
        Map<String, BigDecimal> quantities = new HashMap<>();
        usage.forEach((meter, u) -> quantities.put(meter, UsageTotals.periodValue(u.aggregation(), u.hours())));

        Instant pricedAt = at.isBefore(period.end()) ? at : period.end().minusMillis(1);
        List<CreditSourceView> usableCredits = credits.usableAt(c, customerId, planNow.currency(), pricedAt);
        List<CreditSource> creditSources = usableCredits.stream().map(CreditSourceView::forPricing).toList();
        Quote quote = engine.price(new PriceRequest(planNow, quantities, customers.activeDiscounts(customerId, pricedAt),
                creditSources, customers.overrides(customerId), null, pricedAt));

        List<SpendSnapshot.Line> lines = new ArrayList<>();
        quote.lines().forEach(l -> lines.add(new SpendSnapshot.Line(l.type(), l.description(), l.meter(), l.quantity(), l.amount())));
        BigDecimal proration = prorationLines(c, term.history(), period, planNow, lines);
        BigDecimal total = quote.total().add(proration).max(BigDecimal.ZERO.setScale(quote.total().scale()));

        BigDecimal forecast = forecast(customerId, planNow, usage, quantities, period, pricedAt, creditSources).add(proration)
                .max(BigDecimal.ZERO);
        // what is left once this period's spend so far is paid from credits (they burn when the invoice finalizes)
        BigDecimal remaining = CurrencyRounding.display(CreditService.balance(usableCredits, planNow.currency())
                .subtract(quote.creditsApplied()).max(BigDecimal.ZERO), planNow.currency());
        return new SpendSnapshot(customerId, new SpendSnapshot.PlanRef(planNow.code(), planNow.version()), period.start(),
                period.end(), planNow.currency(), lines, quote.subtotal(), quote.discount(), quote.minimumCommitmentTrueUp(),
                quote.creditsApplied(), total, remaining, forecast, gauges(planNow, quantities), at);
    }

    private PlanVersion planAt(Connection c, SpendStore.Subscription sub, List<SpendStore.HistoryEntry> history, Instant at)
            throws SQLException {
        String code = sub.planCode();
        int version = sub.planVersion();
        for (SpendStore.HistoryEntry h : history) {
            if (!h.effectiveAt().isAfter(at)) {
                code = h.planCode();
                version = h.planVersion();
            }
        }
        String fc = code;
        int fv = version;
        return catalog.find(c, code, version, false).map(CatalogEntry::plan)
                .orElseThrow(() -> new IllegalStateException("plan " + fc + ":" + fv + " is not in the catalog"));
    }

    /** Mid-period plan changes: credit the unused part of the old fee, charge the new fee pro rata. */
    private BigDecimal prorationLines(Connection c, List<SpendStore.HistoryEntry> history,
                                      BillingPeriods.Period period, PlanVersion planNow, List<SpendSnapshot.Line> lines) throws SQLException {
        BigDecimal sum = BigDecimal.ZERO;
        SpendStore.HistoryEntry previous = null;
        for (SpendStore.HistoryEntry h : history) {
            boolean inPeriod = h.effectiveAt().isAfter(period.start()) && h.effectiveAt().isBefore(period.end());
            boolean planChanged = previous != null && (!previous.planCode().equals(h.planCode()) || previous.planVersion() != h.planVersion());
            if (inPeriod && planChanged) {
                PlanVersion from = catalog.find(c, previous.planCode(), previous.planVersion(), false).map(CatalogEntry::plan).orElse(null);
                PlanVersion to = catalog.find(c, h.planCode(), h.planVersion(), false).map(CatalogEntry::plan).orElse(null);
                BigDecimal factor = Proration.factor(period.start(), period.end(), h.effectiveAt());
                if (from != null && from.fee() != null) {
                    BigDecimal credit = round(from.fee().multiply(factor).negate(), planNow.currency());
                    lines.add(new SpendSnapshot.Line("proration", "Unused time on " + name(from) + " after " + h.effectiveAt(), null, null, credit));
                    sum = sum.add(credit);
                }
                if (to != null && to.fee() != null) {
                    BigDecimal charge = round(to.fee().multiply(factor), planNow.currency());
                    lines.add(new SpendSnapshot.Line("proration", "Remaining time on " + name(to) + " from " + h.effectiveAt(), null, null, charge));
                    sum = sum.add(charge);
                }
            }
            previous = h;
        }
        return sum;
    }

    private BigDecimal forecast(String customerId, PlanVersion plan, Map<String, SpendStore.MeterUsage> usage,
                                Map<String, BigDecimal> quantities, BillingPeriods.Period period, Instant at, List<CreditSource> credits) {
        long total = Duration.between(period.start(), period.end()).toSeconds();
        long elapsed = Math.max(1, Duration.between(period.start(), at).toSeconds());
        if (elapsed >= total) {
            return engine.price(new PriceRequest(plan, quantities, customers.activeDiscounts(customerId, at),
                    credits, customers.overrides(customerId), null, at)).total();
        }
        BigDecimal scale = BigDecimal.valueOf(total).divide(BigDecimal.valueOf(elapsed), MathContext.DECIMAL64);
        Map<String, BigDecimal> projected = new HashMap<>();
        quantities.forEach((meter, q) -> projected.put(meter,
                UsageTotals.additive(usage.get(meter).aggregation()) ? q.multiply(scale).setScale(0, RoundingMode.HALF_UP) : q));
        return engine.price(new PriceRequest(plan, projected, customers.activeDiscounts(customerId, at),
                credits, customers.overrides(customerId), null, at)).total();
    }

    private static List<SpendSnapshot.QuotaGauge> gauges(PlanVersion plan, Map<String, BigDecimal> quantities) {
        List<SpendSnapshot.QuotaGauge> out = new ArrayList<>();
        if (plan.quotas() == null) {
            return out;
        }
        for (Quota q : plan.quotas()) {
            BigDecimal used = quantities.getOrDefault(q.meter(), BigDecimal.ZERO);
            BigDecimal limit = BigDecimal.valueOf(q.limit());
            BigDecimal percent = q.limit() == 0 ? BigDecimal.valueOf(100)
                    : used.multiply(BigDecimal.valueOf(100)).divide(limit, 1, RoundingMode.HALF_UP);
            out.add(new SpendSnapshot.QuotaGauge(q.meter(), q.limit(), used, limit.subtract(used).max(BigDecimal.ZERO), q.enforcement(), percent));
        }
        return out;
    }

    private static BigDecimal round(BigDecimal amount, String currency) {
        int digits = Math.max(0, java.util.Currency.getInstance(currency).getDefaultFractionDigits());
        return amount.setScale(digits, RoundingMode.HALF_UP);
    }

    private static String name(PlanVersion p) {
        return (p.name() == null ? p.code() : p.name()) + " v" + p.version();
    }
}
