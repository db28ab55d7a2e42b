package dev.apimon.rating.pricing;

import static dev.apimon.rating.pricing.PlanFixtures.apiCalls;
import static dev.apimon.rating.pricing.PlanFixtures.d;
import static dev.apimon.rating.pricing.PlanFixtures.flat;
import static dev.apimon.rating.pricing.PlanFixtures.graduated;
import static dev.apimon.rating.pricing.PlanFixtures.pack;
import static dev.apimon.rating.pricing.PlanFixtures.percentage;
import static dev.apimon.rating.pricing.PlanFixtures.perUnit;
import static dev.apimon.rating.pricing.PlanFixtures.storage;
import static dev.apimon.rating.pricing.PlanFixtures.tier;
import static dev.apimon.rating.pricing.PlanFixtures.volume;
import static dev.apimon.rating.pricing.PlanFixtures.withIncluded;
import static dev.apimon.rating.pricing.PlanFixtures.withModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Table-driven, one table per charge model; amounts are compared after rounding to 2 places HALF_UP. */
class ChargeModelsTest {

    /** Graduated tier sets; "flat" has a flat_amount on every tier to check each reached tier adds its own. */
    private static final Map<String, Charge> GRADUATED = Map.of(
            "api_calls", apiCalls(),
            "flat", graduated("m", tier("100", "1.00", "10"), tier("1000", "0.50", "5"), tier(null, "0.10", "2")));

    private static final Map<String, Charge> VOLUME = Map.of(
            "storage", storage(),
            "flat", volume("m", tier("10", "2.00", "5"), tier("100", "1.50", "3"), tier(null, "1.00", "1")));

    private static String price(Charge c, String quantity) {
        return ChargeModels.chargeAmount(c, d(quantity)).setScale(2, RoundingMode.HALF_UP).toPlainString();
    }

    @ParameterizedTest(name = "flat {0} with quantity {1} = {2}")
    @CsvSource({
            "25.00, 0,       25.00",
            "25.00, 1,       25.00",
            "25.00, 0.5,     25.00",
            "25.00, 1000000, 25.00",
            "0,     10,      0.00",
            "9.999, 0,       10.00",
    })
    void flat_charges_the_same_amount_regardless_of_usage(String amount, String quantity, String expected) {
        assertEquals(expected, price(flat(null, amount), quantity));
    }

    @ParameterizedTest(name = "{1} units at {0} = {2}")
    @CsvSource({
            "0.10, 0,       0.00",
            "0.10, 1,       0.10",
            "0.10, 15,      1.50",
            "0.10, 0.5,     0.05",
            "0.10, 0.25,    0.03",
            "0.10, 123.456, 12.35",
            "0.10, 1000000, 100000.00",
            "0,    500,     0.00",
    })
    void per_unit_prices_each_unit(String unitAmount, String quantity, String expected) {
        assertEquals(expected, price(perUnit("images", unitAmount), quantity));
    }

    @ParameterizedTest(name = "graduated {0}: {1} units = {2}")
    @CsvSource({
            // first 10000 free, then 0.005 each
            "api_calls, 0,       0.00",
            "api_calls, 1,       0.00",
            "api_calls, 10000,   0.00",
            "api_calls, 10001,   0.01",
            "api_calls, 10000.5, 0.00",
            "api_calls, 15000,   25.00",
            "api_calls, 1000000, 4950.00",
            // 1.00 + 10 up to 100, 0.50 + 5 up to 1000, then 0.10 + 2: flat amounts of every reached tier
            "flat,      0,       0.00",
            "flat,      0.5,     10.50",
            "flat,      100,     110.00",
            "flat,      100.5,   115.25",
            "flat,      1000,    565.00",
            "flat,      1001,    567.10",
            "flat,      2000,    667.00",
    })
    void graduated_prices_each_unit_in_its_tier(String tiers, String quantity, String expected) {
        assertEquals(expected, price(GRADUATED.get(tiers), quantity));
    }

    @ParameterizedTest(name = "volume {0}: {1} units = {2}")
    @CsvSource({
            // 0.20 per GB up to 100, then every GB at 0.10
            "storage, 0,      0.00",
            "storage, 0.5,    0.10",
            "storage, 1,      0.20",
            "storage, 100,    20.00",
            "storage, 100.5,  10.05",
            "storage, 101,    10.10",
            "storage, 250.25, 25.03",
            // only the flat amount of the tier the total falls in
            "flat,    0,      0.00",
            "flat,    0.5,    6.00",
            "flat,    10,     25.00",
            "flat,    10.5,   18.75",
            "flat,    100,    153.00",
            "flat,    101,    102.00",
    })
    void volume_prices_all_units_in_the_tier_of_the_total(String tiers, String quantity, String expected) {
        assertEquals(expected, price(VOLUME.get(tiers), quantity));
    }

    @ParameterizedTest(name = "{0} units in packages of 100 at 5.00 = {1}")
    @CsvSource({
            "0,    0.00",
            "0.5,  5.00",
            "1,    5.00",
            "99,   5.00",
            "100,  5.00",
            "101,  10.00",
            "200,  10.00",
            "1000, 50.00",
    })
    void package_charges_every_started_package(String quantity, String expected) {
        assertEquals(expected, price(pack("sms", 100L, "5.00"), quantity));
    }

    @ParameterizedTest(name = "2.9% of {0} = {1}")
    @CsvSource({
            "0,       0.00",
            "0.5,     0.01",
            "15.5,    0.45",
            "17.24,   0.50",
            "100,     2.90",
            "1234.56, 35.80",
            "1000000, 29000.00",
    })
    void percentage_of_the_summed_quantity(String quantity, String expected) {
        assertEquals(expected, price(percentage("payment_volume", "0.029"), quantity));
    }

    @ParameterizedTest(name = "{0} with 100 included units, quantity {1} = {2}")
    @CsvSource({
            "per_unit,   50,    0.00",
            "per_unit,   100,   0.00",
            "per_unit,   100.5, 0.05",
            "per_unit,   150,   5.00",
            "package,    100,   0.00",
            "package,    101,   5.00",
            "graduated,  10100, 0.00",
            "graduated,  10101, 0.01",
    })
    void included_units_are_free(String model, String quantity, String expected) {
        Charge base = switch (model) {
            case "per_unit" -> perUnit("m", "0.10");
            case "package" -> pack("m", 100L, "5.00");
            default -> apiCalls();
        };
        assertEquals(expected, price(withIncluded(base, "100"), quantity));
    }

    @Test
    void unrounded_amounts_keep_at_least_ten_decimals() {
        BigDecimal amount = ChargeModels.chargeAmount(perUnit("m", "0.0000001"), d("3"));
        assertEquals("0.0000003000", amount.toPlainString());
        assertTrue(ChargeModels.chargeAmount(flat(null, "1"), null).scale() >= 10);
    }

    @Test
    void null_quantity_is_zero() {
        assertEquals("0.00", price(perUnit("m", "0.10"), null));
    }

    @Test
    void rejects_negative_quantity_unknown_model_and_quantity_beyond_the_last_tier() {
        assertThrows(IllegalArgumentException.class, () -> ChargeModels.chargeAmount(perUnit("m", "1"), d("-1")));
        assertThrows(IllegalArgumentException.class,
                () -> ChargeModels.chargeAmount(withModel(perUnit("m", "1"), "tiered"), d("1")));
        Charge bounded = graduated("m", tier("10", "1"));
        assertEquals("10.00", price(bounded, "10"));
        assertThrows(IllegalArgumentException.class, () -> ChargeModels.chargeAmount(bounded, d("11")));
        assertThrows(IllegalArgumentException.class,
                () -> ChargeModels.chargeAmount(volume("m", tier("10", "1")), d("11")));
    }

    @Test
    void rejects_a_charge_missing_its_model_fields() {
        assertThrows(IllegalArgumentException.class, () -> ChargeModels.chargeAmount(perUnit("m", null), d("1")));
        assertThrows(IllegalArgumentException.class, () -> ChargeModels.chargeAmount(pack("m", 0L, "1"), d("1")));
        assertThrows(IllegalArgumentException.class, () -> ChargeModels.chargeAmount(graduated("m"), d("1")));
    }
}
