package dev.apimon.rating.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.From;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Properties of the charge models and of rounding that must hold for any tier set, price and quantity. */
class PricingPropertiesTest {

    // ---- generators ----

    /** 1-5 tiers of random width and price (scale 4), flat amounts on some, the last one open-ended. */
    @Provide
    Arbitrary<List<Tier>> openEndedTiers() {
        Arbitrary<Integer> width = Arbitraries.integers().between(1, 120);
        Arbitrary<BigDecimal> unit = Arbitraries.bigDecimals().between(BigDecimal.ZERO, BigDecimal.TEN).ofScale(4);
        Arbitrary<BigDecimal> flat = Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal("20")).ofScale(2).injectNull(0.4);
        Arbitrary<Tier> spec = Combinators.combine(width, unit, flat).as((w, u, f) -> new Tier(BigDecimal.valueOf(w), u, f));
        return spec.list().ofMinSize(1).ofMaxSize(5).map(PricingPropertiesTest::cumulative);
    }

    /** Widths → inclusive cumulative up_to bounds; the last tier becomes unbounded. */
    private static List<Tier> cumulative(List<Tier> widths) {
        List<Tier> out = new ArrayList<>();
        BigDecimal bound = BigDecimal.ZERO;
        for (int i = 0; i < widths.size(); i++) {
            Tier w = widths.get(i);
            bound = bound.add(w.upTo());
            out.add(new Tier(i == widths.size() - 1 ? null : bound, w.unitAmount(), w.flatAmount()));
        }
        return out;
    }

    @Provide
    Arbitrary<BigDecimal> quantities() {
        return Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal("700")).ofScale(3);
    }

    // ---- graduated ----

    @Property(tries = 600)
    void graduated_equals_a_per_unit_brute_force(@ForAll("openEndedTiers") List<Tier> tiers,
                                                 @ForAll @IntRange(min = 0, max = 650) int quantity,
                                                 @ForAll @IntRange(min = 0, max = 30) int included) {
        Charge charge = new Charge("m", Charge.GRADUATED, null, tiers, null, null, null, null,
                included == 0 ? null : BigDecimal.valueOf(included), null);

        int billable = Math.max(0, quantity - included);
        BigDecimal expected = BigDecimal.ZERO;
        for (int unit = 1; unit <= billable; unit++) {
            expected = expected.add(tierOf(tiers, BigDecimal.valueOf(unit)).unitAmount());
        }
        BigDecimal lower = BigDecimal.ZERO;
        for (Tier t : tiers) { // each tier that any unit reaches adds its flat amount once
            if (BigDecimal.valueOf(billable).compareTo(lower) > 0 && t.flatAmount() != null) {
                expected = expected.add(t.flatAmount());
            }
            lower = t.upTo() == null ? lower : t.upTo();
        }

        BigDecimal actual = ChargeModels.chargeAmount(charge, BigDecimal.valueOf(quantity));
        BigDecimal bruteForce = expected;
        assertEquals(0, bruteForce.compareTo(actual), () -> "graduated " + tiers + " x " + quantity + ": brute force " + bruteForce + ", engine " + actual);
    }

    // ---- volume ----

    /**
     * Volume is a step function of the quantity: within one tier the amount is linear with that tier's unit price (one
     * flat amount, one slope), and the slope and flat change only where a tier ends, for every unit at once.
     */
    @Property(tries = 600)
    void volume_is_a_step_function_of_the_quantity(@ForAll("openEndedTiers") List<Tier> tiers,
                                                   @ForAll("quantities") BigDecimal q1, @ForAll("quantities") BigDecimal q2) {
        Charge charge = new Charge("m", Charge.VOLUME, null, tiers, null, null, null, null, null, null);
        for (BigDecimal q : List.of(q1, q2)) {
            BigDecimal amount = ChargeModels.chargeAmount(charge, q);
            if (q.signum() == 0) {
                assertEquals(0, amount.signum(), "no usage, no charge (not even the first tier's flat amount)");
                continue;
            }
            Tier t = tierOf(tiers, q);
            assertEquals(0, q.multiply(t.unitAmount()).add(flat(t)).compareTo(amount), () -> "volume " + tiers + " x " + q + " = " + amount);
        }
        if (q1.signum() > 0 && q2.signum() > 0 && tierOf(tiers, q1) == tierOf(tiers, q2)) {
            BigDecimal slope = tierOf(tiers, q1).unitAmount();
            BigDecimal diff = ChargeModels.chargeAmount(charge, q1).subtract(ChargeModels.chargeAmount(charge, q2));
            assertEquals(0, q1.subtract(q2).multiply(slope).compareTo(diff), "inside one tier the amount grows at one unit price");
        }
        // the step: at a boundary b every unit is priced at tier k, just above it every unit at tier k+1
        for (int k = 0; k < tiers.size() - 1; k++) {
            BigDecimal b = tiers.get(k).upTo();
            BigDecimal above = b.add(new BigDecimal("0.001"));
            assertEquals(0, b.multiply(tiers.get(k).unitAmount()).add(flat(tiers.get(k)))
                    .compareTo(ChargeModels.chargeAmount(charge, b)));
            assertEquals(0, above.multiply(tiers.get(k + 1).unitAmount()).add(flat(tiers.get(k + 1)))
                    .compareTo(ChargeModels.chargeAmount(charge, above)));
        }
    }

    // ---- rounding ----

    @Provide
    Arbitrary<String> currencies() {
        return Arbitraries.of("USD", "EUR", "JPY", "KRW", "KWD", "BHD", "CLF");
    }

    @Provide
    Arbitrary<RoundingMode> halfModes() {
        return Arbitraries.of(RoundingMode.HALF_UP, RoundingMode.HALF_EVEN, RoundingMode.HALF_DOWN);
    }

    private static Arbitrary<BigDecimal> price() {
        return Arbitraries.integers().between(0, 6).flatMap(scale ->
                Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal("50")).ofScale(scale));
    }

    @Provide
    Arbitrary<Charge> charges() {
        Arbitrary<String> meter = Arbitraries.strings().withCharRange('a', 'z').ofLength(6);
        Arbitrary<Charge> perUnit = Combinators.combine(meter, price())
                .as((m, u) -> new Charge(m, Charge.PER_UNIT, u, null, null, null, null, null, null, null));
        Arbitrary<Charge> graduated = Combinators.combine(meter, openEndedTiers())
                .as((m, t) -> new Charge(m, Charge.GRADUATED, null, t, null, null, null, null, null, null));
        Arbitrary<Charge> volume = Combinators.combine(meter, openEndedTiers())
                .as((m, t) -> new Charge(m, Charge.VOLUME, null, t, null, null, null, null, null, null));
        Arbitrary<Charge> pack = Combinators.combine(meter, Arbitraries.longs().between(1, 1000), price())
                .as((m, s, a) -> new Charge(m, Charge.PACKAGE, null, null, s, a, null, null, null, null));
        Arbitrary<Charge> percentage = Combinators.combine(meter, Arbitraries.bigDecimals().between(BigDecimal.ZERO, BigDecimal.ONE).ofScale(5))
                .as((m, r) -> new Charge(m, Charge.PERCENTAGE, null, null, null, null, r, null, null, null));
        return Arbitraries.oneOf(perUnit, graduated, volume, pack, percentage);
    }

    /** Each line moves by at most half a minor unit, so a quote of n lines is within n halves of the exact sum. */
    @Property(tries = 800)
    void rounding_moves_each_line_by_at_most_half_a_minor_unit(@ForAll("currencies") String currency, @ForAll("halfModes") RoundingMode mode,
                                                               @ForAll @Size(min = 1, max = 6) List<@From("charges") Charge> charges,
                                                               @ForAll @Size(min = 1, max = 6) List<@From("quantities") BigDecimal> quantities) {
        Map<String, Charge> byMeter = new HashMap<>();
        charges.forEach(c -> byMeter.putIfAbsent(c.meter(), c));
        List<Charge> distinct = new ArrayList<>(byMeter.values());
        Map<String, BigDecimal> usage = new HashMap<>();
        for (int i = 0; i < distinct.size(); i++) {
            usage.put(distinct.get(i).meter(), quantities.get(i % quantities.size()).multiply(BigDecimal.valueOf(37)));
        }
        BigDecimal fee = new BigDecimal("19.98765");
        PlanVersion plan = new PlanVersion("p", 1, "P", "draft", currency, "month", fee, null, null, null, null, null, distinct);
        Quote quote = new PricingEngine(mode).price(new PriceRequest(plan, usage, null, null, null, null, null));

        int digits = Currency.getInstance(currency).getDefaultFractionDigits();
        BigDecimal half = BigDecimal.ONE.movePointLeft(digits).divide(BigDecimal.valueOf(2));
        BigDecimal exactSum = BigDecimal.ZERO;
        BigDecimal roundedSum = BigDecimal.ZERO;
        for (QuoteLine line : quote.lines()) {
            BigDecimal exact = line.meter() == null ? fee : ChargeModels.chargeAmount(byMeter.get(line.meter()), usage.get(line.meter()));
            assertEquals(digits, line.amount().scale(), "lines are at the currency's minor units");
            assertTrue(line.amount().subtract(exact).abs().compareTo(half) <= 0,
                    () -> currency + " " + mode + ": " + exact + " rounded to " + line.amount());
            exactSum = exactSum.add(exact);
            roundedSum = roundedSum.add(line.amount());
        }
        assertEquals(0, roundedSum.compareTo(quote.subtotal()), "the subtotal is the sum of the rounded lines, not rounded again");
        assertEquals(0, quote.subtotal().compareTo(quote.total()));
        BigDecimal bound = half.multiply(BigDecimal.valueOf(quote.lines().size()));
        assertTrue(quote.total().subtract(exactSum).abs().compareTo(bound) <= 0,
                "total " + quote.total() + " vs exact " + exactSum + " over " + quote.lines().size() + " lines");
    }

    // ---- helpers ----

    /** The tier whose (previous up_to, up_to] holds q (q > 0). */
    private static Tier tierOf(List<Tier> tiers, BigDecimal q) {
        for (Tier t : tiers) {
            if (t.upTo() == null || q.compareTo(t.upTo()) <= 0) {
                return t;
            }
        }
        throw new IllegalStateException("no tier for " + q);
    }

    private static BigDecimal flat(Tier t) {
        return t.flatAmount() == null ? BigDecimal.ZERO : t.flatAmount();
    }
}
