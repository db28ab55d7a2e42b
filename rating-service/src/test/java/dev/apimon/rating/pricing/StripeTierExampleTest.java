package dev.apimon.rating.pricing;

import static dev.apimon.rating.pricing.PlanFixtures.d;
import static dev.apimon.rating.pricing.PlanFixtures.graduated;
import static dev.apimon.rating.pricing.PlanFixtures.simple;
import static dev.apimon.rating.pricing.PlanFixtures.tier;
import static dev.apimon.rating.pricing.PlanFixtures.volume;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.RoundingMode;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Stripe's published tier example (docs "Tiered pricing"): units 1-5 at 7.00, 6-10 at 6.50, 11+ at 6.00. Priced
 * through the whole engine so the asserted string is the invoice line a customer sees.
 */
class StripeTierExampleTest {
    private static final Tier[] STRIPE = {tier("5", "7.00"), tier("10", "6.50"), tier(null, "6.00")};
    private final PricingEngine engine = new PricingEngine(RoundingMode.HALF_UP);

    private String line(Charge charge, String quantity) {
        PlanVersion plan = simple("USD", charge).build();
        Quote q = engine.price(new PriceRequest(plan, Map.of("units", d(quantity)), null, null, null, null, null));
        assertEquals(q.subtotal(), q.total(), "no fee, discount, commitment or credits: the line is the total");
        return q.lines().get(0).amount().toPlainString();
    }

    @ParameterizedTest(name = "volume: {0} units = {1}")
    @CsvSource({
            "0,  0.00",
            "1,  7.00",
            "5,  35.00",
            "6,  39.00",   // Stripe's example: all 6 units at the 6-10 price, 6 x 6.50
            "10, 65.00",
            "11, 66.00",   // all 11 at 6.00: cheaper than 10 units, the volume cliff
            "100, 600.00",
    })
    void volume_prices_all_units_at_the_reached_tier(String quantity, String expected) {
        assertEquals(expected, line(volume("units", STRIPE), quantity));
    }

    @ParameterizedTest(name = "graduated: {0} units = {1}")
    @CsvSource({
            "0,  0.00",
            "1,  7.00",
            "5,  35.00",
            "6,  41.50",   // Stripe's example: 5 x 7.00 + 1 x 6.50
            "10, 67.50",
            "11, 73.50",
            "100, 607.50",
    })
    void graduated_prices_each_unit_in_its_tier(String quantity, String expected) {
        assertEquals(expected, line(graduated("units", STRIPE), quantity));
    }
}
