package dev.apimon.rating.simulations.domain;

import dev.apimon.rating.pricing.Charge;
import dev.apimon.rating.pricing.Discount;
import dev.apimon.rating.pricing.PlanVersion;
import dev.apimon.rating.pricing.PriceRequest;
import dev.apimon.rating.pricing.PricingEngine;
import dev.apimon.rating.pricing.Quota;
import dev.apimon.rating.pricing.Tier;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Re-rates customers' real past usage under a candidate plan version (plain Java, no I/O). For each closed period the
 * old total prices the usage with the plan the customer actually had and the new total with the candidate; both use
 * the customer's overrides and discounts of that period and neither uses credits or proration, so the two differ only
 * by the plan. Customers within {@code nearFraction} of a tier boundary or quota of the candidate (in their latest
 * period) are flagged: a small change in their usage moves their bill across a step.
 */
public final class Simulator {
    public static final String TIER = "tier";
    public static final String QUOTA = "quota";

    /** One closed period: its usage per meter and what applied to it. */
    public record Period(Instant start, Instant end, PlanVersion actualPlan, Map<String, BigDecimal> usage, List<Discount> discounts) {
    }

    /** periods oldest first; segment is the value of the grouping attribute (null when the customer has none). */
    public record CustomerInput(String customerId, String segment, Map<String, Charge> overrides, List<Period> periods) {
    }

    public record CustomerResult(String customerId, BigDecimal oldTotal, BigDecimal newTotal, BigDecimal delta) {
    }

    public record NearBoundary(String customerId, String meter, BigDecimal quantity, BigDecimal boundary, String kind) {
    }

    public record Skipped(String customerId, String reason) {
    }

    public record Outcome(String currency, List<CustomerResult> customers, BigDecimal revenueDelta, Map<String, BigDecimal> bySegment,
                          List<NearBoundary> nearBoundary, List<Skipped> skipped) {
    }

    public static final String NO_SEGMENT = "(none)";

    private final PricingEngine engine;
    private final PlanVersion candidate;
    private final BigDecimal nearFraction;

    public Simulator(PricingEngine engine, PlanVersion candidate, BigDecimal nearFraction) {
        this.engine = Objects.requireNonNull(engine);
        this.candidate = Objects.requireNonNull(candidate);
        this.nearFraction = Objects.requireNonNull(nearFraction);
    }

    /** Collects customer results; feed it chunk by chunk, then {@link #outcome()}. Not thread-safe. */
    public final class Tally {
        private final List<CustomerResult> customers = new ArrayList<>();
        private final List<NearBoundary> near = new ArrayList<>();
        private final List<Skipped> skipped = new ArrayList<>();
        private final Map<String, BigDecimal> bySegment = new TreeMap<>();
        private BigDecimal revenueDelta = zero();

        public void add(CustomerInput in) {
            if (in.periods().isEmpty()) {
                skipped.add(new Skipped(in.customerId(), "no closed billing period yet"));
                return;
            }
            BigDecimal oldTotal = zero();
            BigDecimal newTotal = zero();
            try {
                for (Period p : in.periods()) {
                    if (!candidate.currency().equals(p.actualPlan().currency())) {
                        skipped.add(new Skipped(in.customerId(), "billed in " + p.actualPlan().currency() + ", the candidate plan in "
                                + candidate.currency()));
                        return;
                    }
                    oldTotal = oldTotal.add(total(p.actualPlan(), p, in.overrides()));
                    newTotal = newTotal.add(total(candidate, p, in.overrides()));
                }
            } catch (IllegalArgumentException e) {
                skipped.add(new Skipped(in.customerId(), "cannot be priced: " + e.getMessage()));
                return;
            }
            BigDecimal delta = newTotal.subtract(oldTotal);
            customers.add(new CustomerResult(in.customerId(), oldTotal, newTotal, delta));
            revenueDelta = revenueDelta.add(delta);
            bySegment.merge(in.segment() == null ? NO_SEGMENT : in.segment(), delta, BigDecimal::add);
            near.addAll(nearBoundaries(in.customerId(), in.periods().get(in.periods().size() - 1), in.overrides()));
        }

        public void skip(String customerId, String reason) {
            skipped.add(new Skipped(customerId, reason));
        }

        public Outcome outcome() {
            List<CustomerResult> c = new ArrayList<>(customers);
            c.sort(Comparator.comparing(CustomerResult::customerId));
            List<NearBoundary> n = new ArrayList<>(near);
            n.sort(Comparator.comparing(NearBoundary::customerId).thenComparing(NearBoundary::meter).thenComparing(NearBoundary::kind));
            List<Skipped> s = new ArrayList<>(skipped);
            s.sort(Comparator.comparing(Skipped::customerId));
            return new Outcome(candidate.currency(), c, revenueDelta, new TreeMap<>(bySegment), n, s);
        }
    }

    public Tally tally() {
        return new Tally();
    }

    private BigDecimal total(PlanVersion plan, Period p, Map<String, Charge> overrides) {
        return engine.price(new PriceRequest(plan, p.usage(), p.discounts(), List.of(), overrides, null, p.end().minusMillis(1))).total();
    }

    /** The nearest tier boundary and the quota of each meter within the fraction, in raw units (included units added back). */
    List<NearBoundary> nearBoundaries(String customerId, Period latest, Map<String, Charge> overrides) {
        List<NearBoundary> out = new ArrayList<>();
        if (candidate.charges() != null) {
            for (Charge planCharge : candidate.charges()) {
                if (planCharge.meter() == null) {
                    continue;
                }
                Charge c = overrides.getOrDefault(planCharge.meter(), planCharge);
                if (c.tiers() == null || !(Charge.GRADUATED.equals(c.model()) || Charge.VOLUME.equals(c.model()))) {
                    continue;
                }
                BigDecimal q = latest.usage().getOrDefault(c.meter(), BigDecimal.ZERO);
                BigDecimal included = c.includedUnits() == null ? BigDecimal.ZERO : c.includedUnits();
                BigDecimal best = null;
                for (Tier t : c.tiers()) {
                    if (t.upTo() == null) {
                        continue;
                    }
                    BigDecimal boundary = t.upTo().add(included);
                    if (near(q, boundary) && (best == null || q.subtract(boundary).abs().compareTo(q.subtract(best).abs()) < 0)) {
                        best = boundary;
                    }
                }
                if (best != null) {
                    out.add(new NearBoundary(customerId, c.meter(), plain(q), plain(best), TIER));
                }
            }
        }
        if (candidate.quotas() != null) {
            for (Quota quota : candidate.quotas()) {
                if (quota.meter() == null || quota.limit() == null) {
                    continue;
                }
                BigDecimal q = latest.usage().getOrDefault(quota.meter(), BigDecimal.ZERO);
                BigDecimal limit = BigDecimal.valueOf(quota.limit());
                if (near(q, limit)) {
                    out.add(new NearBoundary(customerId, quota.meter(), plain(q), limit, QUOTA));
                }
            }
        }
        return out;
    }

    private boolean near(BigDecimal q, BigDecimal boundary) {
        return boundary.signum() > 0 && q.subtract(boundary).abs().compareTo(boundary.multiply(nearFraction)) <= 0;
    }

    private BigDecimal zero() {
        int digits = Math.max(0, java.util.Currency.getInstance(candidate.currency()).getDefaultFractionDigits());
        return BigDecimal.ZERO.setScale(digits);
    }

    private static BigDecimal plain(BigDecimal v) {
        BigDecimal s = v.stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }
}
