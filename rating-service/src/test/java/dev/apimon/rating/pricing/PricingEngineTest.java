package dev.apimon.rating.pricing;

import static dev.apimon.rating.pricing.PlanFixtures.apiCalls;
import static dev.apimon.rating.pricing.PlanFixtures.contract;
import static dev.apimon.rating.pricing.PlanFixtures.d;
import static dev.apimon.rating.pricing.PlanFixtures.flat;
import static dev.apimon.rating.pricing.PlanFixtures.graduated;
import static dev.apimon.rating.pricing.PlanFixtures.perUnit;
import static dev.apimon.rating.pricing.PlanFixtures.simple;
import static dev.apimon.rating.pricing.PlanFixtures.tier;
import static dev.apimon.rating.pricing.PlanFixtures.withDescription;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PricingEngineTest {

    private final PricingEngine engine = new PricingEngine(RoundingMode.HALF_UP);

    private static PriceRequest usage(PlanVersion plan, Map<String, BigDecimal> usage) {
        return new PriceRequest(plan, usage, null, null, null, null, null);
    }

    private static String plain(BigDecimal v) {
        return v.toPlainString();
    }

    @Test
    void contract_example() {
        PlanFixtures.PlanBuilder b = contract();
        b.charges = List.of(apiCalls());
        Quote q = engine.price(usage(b.build(), Map.of("api_calls", d("15000"))));

        assertEquals("USD", q.currency());
        assertEquals(2, q.lines().size());
        QuoteLine fee = q.lines().get(0);
        assertEquals("fee", fee.type());
        assertEquals("Pro monthly fee", fee.description());
        assertNull(fee.meter());
        assertNull(fee.quantity());
        assertEquals("49.00", plain(fee.amount()));
        QuoteLine calls = q.lines().get(1);
        assertEquals("usage", calls.type());
        assertEquals("api_calls usage", calls.description());
        assertEquals("api_calls", calls.meter());
        assertEquals("15000", plain(calls.quantity()));
        assertEquals("25.00", plain(calls.amount()));
        assertEquals("74.00", plain(q.subtotal()));
        assertEquals("0.00", plain(q.discount()));
        assertEquals("0.00", plain(q.creditsApplied()));
        assertEquals("26.00", plain(q.minimumCommitmentTrueUp()));
        assertEquals("100.00", plain(q.total()));
        assertEquals(List.of(), q.creditUses());
    }

    @Test
    void every_plan_charge_gets_a_line_in_plan_order_and_unknown_meters_are_ignored() {
        Map<String, BigDecimal> usage = Map.of(
                "payment_volume", d("1000"), "storage_gb", d("150.5"), "sms", d("101"), "api_calls", d("15000"),
                "not_priced", d("999"));
        Quote q = engine.price(usage(contract().build(), usage));

        List<String> meters = q.lines().stream().map(QuoteLine::meter).toList();
        assertEquals(java.util.Arrays.asList(null, "api_calls", "images", "storage_gb", "sms", "payment_volume"), meters);
        List<String> amounts = q.lines().stream().map(l -> plain(l.amount())).toList();
        assertEquals(List.of("49.00", "25.00", "0.00", "15.05", "10.00", "29.00"), amounts);
        QuoteLine images = q.lines().get(2);
        assertEquals("0", plain(images.quantity()));
        assertEquals("150.5", plain(q.lines().get(3).quantity()));
        assertEquals("128.05", plain(q.subtotal()));
        assertEquals("0.00", plain(q.minimumCommitmentTrueUp()));
        assertEquals("128.05", plain(q.total()));
    }

    @Test
    void no_usage_at_all_gives_zero_lines_and_a_full_true_up() {
        Quote q = engine.price(usage(contract().build(), null));
        assertEquals(6, q.lines().size());
        q.lines().stream().skip(1).forEach(l -> {
            assertEquals("0", plain(l.quantity()));
            assertEquals("0.00", plain(l.amount()));
        });
        assertEquals("49.00", plain(q.subtotal()));
        assertEquals("51.00", plain(q.minimumCommitmentTrueUp()));
        assertEquals("100.00", plain(q.total()));
    }

    @Test
    void each_line_is_rounded_once_and_the_subtotal_sums_rounded_lines() {
        // 0.005 + 0.005 would be 0.01 if summed first; rounded per line it is 0.01 + 0.01
        PlanVersion plan = simple("USD", perUnit("a", "0.005"), perUnit("b", "0.005")).build();
        Quote q = engine.price(usage(plan, Map.of("a", d("1"), "b", d("1"))));
        assertEquals("0.01", plain(q.lines().get(0).amount()));
        assertEquals("0.02", plain(q.subtotal()));
        assertEquals("0.02", plain(q.total()));
    }

    @Test
    void jpy_has_no_minor_units() {
        PlanVersion plan = simple("JPY", perUnit("calls", "0.3")).fee("980").build();
        Quote q = engine.price(usage(plan, Map.of("calls", d("5"))));
        assertEquals("980", plain(q.lines().get(0).amount()));
        assertEquals("2", plain(q.lines().get(1).amount())); // 1.5 HALF_UP
        assertEquals("982", plain(q.subtotal()));
        assertEquals("0", plain(q.discount()));
        assertEquals("982", plain(q.total()));
    }

    @Test
    void kwd_has_three_minor_units() {
        PlanVersion plan = simple("KWD", perUnit("calls", "0.0125")).fee("10").build();
        Quote q = engine.price(usage(plan, Map.of("calls", d("3"))));
        assertEquals("10.000", plain(q.lines().get(0).amount()));
        assertEquals("0.038", plain(q.lines().get(1).amount())); // 0.0375 HALF_UP
        assertEquals("10.038", plain(q.subtotal()));
        assertEquals("0.000", plain(q.creditsApplied()));
        assertEquals("10.038", plain(q.total()));
    }

    @ParameterizedTest(name = "{0} units at 0.005 with {1} = {2}")
    @CsvSource({
            "25, HALF_UP,   0.13",
            "25, HALF_EVEN, 0.12",
            "35, HALF_UP,   0.18",
            "35, HALF_EVEN, 0.18",
            "25, DOWN,      0.12",
    })
    void rounding_mode_is_configurable(String quantity, RoundingMode mode, String expected) {
        PlanVersion plan = simple("USD", perUnit("calls", "0.005")).build();
        Quote q = new PricingEngine(mode).price(usage(plan, Map.of("calls", d(quantity))));
        assertEquals(expected, plain(q.lines().get(0).amount()));
        assertEquals(expected, plain(q.total()));
    }

    @Test
    void default_rounding_is_half_up() {
        PlanVersion plan = simple("USD", perUnit("calls", "0.005")).build();
        assertEquals("0.13", plain(new PricingEngine().price(usage(plan, Map.of("calls", d("25")))).total()));
    }

    @Test
    void fee_is_prorated_and_rounded_once() {
        PlanVersion plan = simple("USD").fee("49.00").build();
        Quote q = engine.price(new PriceRequest(plan, null, null, null, null, d("0.3333333333"), null));
        assertEquals("16.33", plain(q.lines().get(0).amount()));
        assertEquals("16.33", plain(q.total()));
    }

    @Test
    void fee_descriptions_follow_the_interval_and_charge_descriptions_win() {
        PlanFixtures.PlanBuilder b = simple("USD", withDescription(perUnit("calls", "1"), "API calls"),
                flat(null, "5.00"));
        b.fee("100");
        b.interval = "year";
        b.name = "Business";
        Quote q = engine.price(usage(b.build(), Map.of()));
        assertEquals("Business yearly fee", q.lines().get(0).description());
        assertEquals("API calls", q.lines().get(1).description());
        assertEquals("flat charge", q.lines().get(2).description());
        assertEquals("5.00", plain(q.lines().get(2).amount()));
        assertEquals("105.00", plain(q.total()));
    }

    @Test
    void no_fee_no_fee_line() {
        Quote q = engine.price(usage(simple("USD", perUnit("calls", "1")).build(), Map.of("calls", d("2"))));
        assertEquals(List.of("usage"), q.lines().stream().map(QuoteLine::type).toList());
    }

    @Test
    void customer_override_replaces_the_plan_charge_for_its_meter() {
        Map<String, Charge> overrides = Map.of(
                "images", perUnit("images", "0.05"),
                "api_calls", graduated("api_calls", tier("20000", "0"), tier(null, "0.004")),
                "not_in_plan", perUnit("not_in_plan", "100"));
        PriceRequest req = new PriceRequest(contract().minimumCommitment(null).build(),
                Map.of("images", d("100"), "api_calls", d("25000"), "not_in_plan", d("1")),
                null, null, overrides, null, null);
        Quote q = engine.price(req);
        assertEquals("20.00", plain(q.lines().get(1).amount())); // plan price would be 75.00
        assertEquals("5.00", plain(q.lines().get(2).amount()));  // plan price would be 10.00
        assertEquals(6, q.lines().size());
        assertEquals("74.00", plain(q.total()));
    }

    @Test
    void percent_discount() {
        Quote q = engine.price(withDiscounts(new Discount("TEN", d("10"), null)));
        assertEquals("74.00", plain(q.subtotal()));
        assertEquals("7.40", plain(q.discount()));
        assertEquals("66.60", plain(q.total()));
    }

    @Test
    void percent_discount_is_rounded_per_discount() {
        Quote q = engine.price(withDiscounts(new Discount("A", d("12.5"), null), new Discount("B", d("0.01"), null)));
        assertEquals("9.26", plain(q.discount())); // 9.25 + 0.0074 -> 9.25 + 0.01
        assertEquals("64.74", plain(q.total()));
    }

    @Test
    void amount_discount_and_both_kinds_add_up() {
        assertEquals("5.00", plain(engine.price(withDiscounts(new Discount("FIVE", null, d("5")))).discount()));
        Quote both = engine.price(withDiscounts(new Discount("TEN", d("10"), null), new Discount("FIVE", null, d("5"))));
        assertEquals("12.40", plain(both.discount()));
        assertEquals("61.60", plain(both.total()));
    }

    @Test
    void discount_is_capped_at_the_subtotal() {
        Quote q = engine.price(withDiscounts(new Discount("BIG", d("50"), null), new Discount("HUGE", null, d("500"))));
        assertEquals("74.00", plain(q.discount()));
        assertEquals("0.00", plain(q.total()));
    }

    @Test
    void discount_counts_against_the_minimum_commitment() {
        PriceRequest req = new PriceRequest(contractWithApiCalls(), Map.of("api_calls", d("15000")),
                List.of(new Discount("TEN", d("10"), null)), null, null, null, null);
        Quote q = engine.price(req);
        assertEquals("7.40", plain(q.discount()));
        assertEquals("33.40", plain(q.minimumCommitmentTrueUp()));
        assertEquals("100.00", plain(q.total()));
    }

    @Test
    void no_true_up_above_or_at_the_commitment() {
        Quote above = engine.price(usage(contractWithApiCalls(), Map.of("api_calls", d("50000"))));
        assertEquals("249.00", plain(above.subtotal()));
        assertEquals("0.00", plain(above.minimumCommitmentTrueUp()));
        assertEquals("249.00", plain(above.total()));
        Quote exactly = engine.price(usage(contractWithApiCalls(), Map.of("api_calls", d("20200"))));
        assertEquals("100.00", plain(exactly.subtotal()));
        assertEquals("0.00", plain(exactly.minimumCommitmentTrueUp()));
    }

    private static PlanVersion contractWithApiCalls() {
        PlanFixtures.PlanBuilder b = contract();
        b.charges = List.of(apiCalls());
        return b.build();
    }

    /** Contract plan without commitment, subtotal 74.00. */
    private static PriceRequest withDiscounts(Discount... discounts) {
        PlanFixtures.PlanBuilder b = contract().minimumCommitment(null);
        b.charges = List.of(apiCalls());
        return new PriceRequest(b.build(), Map.of("api_calls", d("15000")), List.of(discounts), null, null, null, null);
    }
}
